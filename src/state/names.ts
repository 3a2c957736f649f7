// Container ids and docker-style generated names (adjective_surname). Pure but for randomness,
// which is passed in so tests can pin it.
import { randomBytes } from 'node:crypto';

const ADJECTIVES = [
  'admiring', 'adoring', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'bold', 'brave',
  'charming', 'clever', 'cool', 'compassionate', 'competent', 'confident', 'dazzling', 'determined',
  'eager', 'ecstatic', 'elastic', 'elated', 'elegant', 'epic', 'fervent', 'festive', 'focused',
  'friendly', 'frosty', 'gallant', 'gifted', 'goofy', 'gracious', 'happy', 'hardcore', 'hopeful',
  'hungry', 'infallible', 'inspiring', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving',
  'lucid', 'magical', 'modest', 'musing', 'mystifying', 'naughty', 'nervous', 'nice', 'nifty',
  'nostalgic', 'objective', 'optimistic', 'peaceful', 'pedantic', 'pensive', 'practical',
  'priceless', 'quirky', 'quizzical', 'relaxed', 'reverent', 'romantic', 'serene', 'sharp',
  'silly', 'sleepy', 'stoic', 'strange', 'sweet', 'tender', 'thirsty', 'trusting', 'upbeat',
  'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful', 'zealous',
];

const SURNAMES = [
  'albattani', 'allen', 'almeida', 'archimedes', 'ardinghelli', 'babbage', 'banach', 'bardeen',
  'bartik', 'bassi', 'bell', 'benz', 'bhabha', 'booth', 'borg', 'bose', 'brahmagupta', 'brown',
  'carson', 'cerf', 'chandrasekhar', 'clarke', 'curie', 'darwin', 'davinci', 'dijkstra', 'einstein',
  'elion', 'engelbart', 'euclid', 'euler', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo',
  'gauss', 'goldberg', 'goodall', 'hamilton', 'hawking', 'heisenberg', 'hellman', 'hodgkin',
  'hopper', 'hypatia', 'jackson', 'jang', 'johnson', 'kalam', 'keller', 'kepler', 'knuth',
  'lamarr', 'lamport', 'leakey', 'liskov', 'lovelace', 'lumiere', 'mayer', 'mccarthy', 'mclean',
  'meitner', 'mendel', 'merkle', 'mirzakhani', 'morse', 'napier', 'newton', 'nobel', 'noether',
  'pascal', 'pasteur', 'payne', 'perlman', 'pike', 'poincare', 'ptolemy', 'raman', 'ritchie',
  'shannon', 'shockley', 'sinoussi', 'stonebraker', 'swanson', 'tesla', 'thompson', 'torvalds',
  'turing', 'varahamihira', 'villani', 'wescoff', 'wiles', 'williams', 'wilson', 'wozniak', 'wright',
];

export function newContainerId(random: (n: number) => Buffer = randomBytes): string {
  return random(32).toString('hex');
}

export function generateName(random: (n: number) => Buffer = randomBytes): string {
  const b = random(4);
  const a = ADJECTIVES[b.readUInt16BE(0) % ADJECTIVES.length]!;
  const s = SURNAMES[b.readUInt16BE(2) % SURNAMES.length]!;
  // docker never generates boring_wozniak ("Steve Wozniak is not boring"): neither do we.
  return a === 'boring' && s === 'wozniak' ? generateName(random) : `${a}_${s}`;
}

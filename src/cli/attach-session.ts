// The attach client: connects to a container's monitor (attach.sock in its state dir,
// addon/monitor/attach.h), shows its output, and sends framed input: our keys for a container
// created with -i (docker's OpenStdin; -t: raw mode, until the detach keys; without -t: our
// stdin as it comes, then its end), our window size and its changes, and, without -t, the
// signals we get (--sig-proxy), as docker's client does. Used by `attach` and `start -a`.
import { openSync, closeSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { constants } from 'node:os';
import { DetachKeyMatcher } from './detach-keys.js';
import { StateError } from '../errors.js';

/** Frame types of docs/native-interface.md ("attach.sock"). */
const FRAME = { input: 0x69, window: 0x77, signal: 0x73, inputEnd: 0x63 } as const; // 'i' 'w' 's' 'c'
const MAX_PAYLOAD = 0xffff;

/** One frame: type byte, 16-bit big-endian length, payload (pure). */
export function attachFrame(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Keys as frames, split to the frame size (pure). */
export function inputFrames(keys: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < keys.length; i += MAX_PAYLOAD) out.push(attachFrame(FRAME.input, keys.subarray(i, i + MAX_PAYLOAD)));
  return out;
}

export function windowFrame(rows: number, cols: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt16BE(Math.min(rows, 0xffff), 0);
  p.writeUInt16BE(Math.min(cols, 0xffff), 2);
  return attachFrame(FRAME.window, p);
}

export function signalFrame(signo: number): Buffer {
  return attachFrame(FRAME.signal, Buffer.from([signo]));
}

/**
 * Sent first by a client that sends input (without -t): an empty input frame. The monitor then
 * knows this session carries the container's stdin, so with StdinOnce the session's end closes
 * it however the session ends (this CLI killed, its connection gone), as docker's does.
 */
export function inputStartFrame(): Buffer {
  return attachFrame(FRAME.input, Buffer.alloc(0));
}

/** Our input has ended (without -t): with StdinOnce the monitor closes the container's stdin. */
export function inputEndFrame(): Buffer {
  return attachFrame(FRAME.inputEnd, Buffer.alloc(0));
}

/**
 * Output of a container without -t comes framed ('o' stdout, 'e' stderr, same header as ours):
 * takes the whole frames from `buffered` (pure); `rest` is an incomplete tail.
 */
export function outputFrames(buffered: Buffer): { frames: { stream: 'stdout' | 'stderr'; data: Buffer }[]; rest: Buffer } {
  const frames: { stream: 'stdout' | 'stderr'; data: Buffer }[] = [];
  let at = 0;
  while (buffered.length - at >= 3) {
    const len = buffered.readUInt16BE(at + 1);
    if (buffered.length - at < 3 + len) break;
    frames.push({ stream: buffered[at] === 0x65 ? 'stderr' : 'stdout', data: buffered.subarray(at + 3, at + 3 + len) });
    at += 3 + len;
  }
  return { frames, rest: buffered.subarray(at) };
}

// docker's client forwards every catchable signal but those about the terminal and children;
// these are the ones Node can catch without changing its own behaviour.
const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

/**
 * start -a: connect as soon as the starting monitor listens (it waits for us before the command
 * runs), retrying until it does or `starting` fails.
 */
export async function connectWhenListening(stateDir: string, ref: string, starting: Promise<unknown>): Promise<Socket> {
  let failed = false;
  starting.catch(() => (failed = true));
  for (const end = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 10))) {
    try {
      return await connectAttach(stateDir, ref);
    } catch (err) {
      if (failed || Date.now() > end) throw err;
    }
  }
}

/** Connect to the container's attach socket. The state dir's path may be longer than a socket
 *  path can be: it is reached through an fd. */
export async function connectAttach(stateDir: string, ref: string): Promise<Socket> {
  const dirFd = openSync(stateDir, 'r');
  const socket = createConnection({ path: `/proc/self/fd/${dirFd}/attach.sock` });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) => reject(new StateError(`cannot attach to ${ref}: ${err.message}`)));
    });
  } finally {
    closeSync(dirFd);
  }
  return socket;
}

export interface AttachSessionOptions {
  /** The container has a terminal (-t). */
  tty: boolean;
  /** Send our keys (not --no-stdin; for start -a, only with -i). */
  stdin: boolean;
  /** The container keeps a stdin open for us (created with -i: docker's OpenStdin). */
  openStdin: boolean;
  /** --sig-proxy (default true): without -t, the signals we get go to the container. */
  sigProxy: boolean;
  detachKeys: Buffer;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Run the session until the container ends (the monitor closes) or we detach. */
export async function attachSession(socket: Socket, o: AttachSessionOptions): Promise<{ detached: boolean }> {
  const stdin = process.stdin;
  // Without -t, our input goes only to a container created with -i (docker's client). With -t
  // our keys are always read, so the detach keys leave any -t container (docker's client reads
  // none from a -dt one: there only killing the client leaves it).
  const withInput = o.stdin && (o.tty || o.openStdin);
  const raw = withInput && o.tty && stdin.isTTY === true;
  let detached = false;
  const send = (b: Buffer) => {
    if (!socket.destroyed) socket.write(b);
  };
  // -t: the container's terminal gets our size now and whenever our window changes.
  const term = process.stdout.isTTY ? process.stdout : undefined;
  const sendSize = () => {
    if (term?.rows && term.columns) send(windowFrame(term.rows, term.columns));
  };
  const proxy = (sig: NodeJS.Signals) => send(signalFrame(constants.signals[sig]));
  const proxied = o.sigProxy && !o.tty ? PROXIED : [];
  try {
    if (raw) stdin.setRawMode(true);
    if (o.tty) {
      sendSize();
      term?.on('resize', sendSize);
    }
    for (const s of proxied) process.on(s, proxy);
    const ended = new Promise<void>((resolve) => {
      // -t: one stream, the terminal's bytes, raw. Without: stdout and stderr, framed.
      let rest = Buffer.alloc(0);
      socket.on('data', (b: Buffer) => {
        if (o.tty) return void o.stdout.write(b);
        const split = outputFrames(rest.length ? Buffer.concat([rest, b]) : b);
        for (const f of split.frames) (f.stream === 'stderr' ? o.stderr : o.stdout).write(f.data);
        rest = Buffer.from(split.rest);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    const matcher = new DetachKeyMatcher(o.detachKeys);
    const onInput = (b: Buffer) => {
      const { pass, detach } = matcher.filter(b);
      for (const f of inputFrames(pass)) send(f);
      if (detach) {
        detached = true;
        socket.end();
        socket.destroy();
      }
    };
    // Without -t our input is data, not keys: no detach keys in it (docker's too), and its end
    // is told, so a StdinOnce container's stdin closes (the output goes on until it ends).
    const onData = (b: Buffer) => {
      for (const f of inputFrames(b)) send(f);
    };
    const onEnd = () => send(inputEndFrame());
    if (withInput && o.tty) stdin.on('data', onInput);
    if (withInput && !o.tty) {
      send(inputStartFrame());
      stdin.on('data', onData).once('end', onEnd);
    }
    await ended;
    if (withInput) {
      stdin.off('data', onInput).off('data', onData).off('end', onEnd);
      stdin.pause();
    }
  } finally {
    for (const s of proxied) process.off(s, proxy);
    term?.off('resize', sendSize);
    if (raw) stdin.setRawMode(false);
  }
  return { detached };
}

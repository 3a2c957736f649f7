// docker's y/N confirmation prompts (prune without -f) read one line of stdin.

/** The first line of stdin, trimmed; '' at end of input or on a read error. */
export function readLine(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', done);
      stdin.pause();
      resolve(text.split('\n')[0]!.trim());
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n')) done();
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.on('error', done);
    stdin.resume();
  });
}

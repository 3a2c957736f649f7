// Streams that record what a command writes, for asserting exact output.
import { Readable, Writable } from 'node:stream';

export interface Capture {
  stream: NodeJS.WritableStream;
  text(): string;
}

export function capture(): Capture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

export function fakeIo(): { stdout: Capture; stderr: Capture; io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream; env: NodeJS.ProcessEnv } } {
  const stdout = capture();
  const stderr = capture();
  return { stdout, stderr, io: { stdout: stdout.stream, stderr: stderr.stream, stdin: Readable.from([]), env: {} } };
}

/// <reference path="./native.d.ts" />
// The only module that loads the native binding (declared in native.d.ts). Loading is lazy:
// most commands never need it, and start-up time matters. Arguments are validated here, so
// the C++ side sees only values it can use (better-sqlite3's split).
import { createRequire } from 'node:module';
import { bindingPath } from './paths.js';

export type WindowSize = SandboxNative.WindowSize;
export type NativeErrnoError = SandboxNative.ErrnoError;

let loaded: SandboxNative.Binding | undefined;

function binding(): SandboxNative.Binding {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = require(bindingPath()) as SandboxNative.Binding;
  }
  return loaded;
}

function checkUint(value: unknown, what: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    const err = new TypeError(`${what} must be an integer from 0 to ${max}, got ${String(value)}`) as TypeError & { code: string };
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  return value;
}

const MAX_FD = 0x7fffffff;
const MAX_WINSIZE = 0xffff;

/** The running kernel's release string (uname -r). */
export function kernelRelease(): string {
  return binding().kernelRelease();
}

/** The size of the terminal behind fd, or null when fd is not a terminal. */
export function getWindowSize(fd: number): WindowSize | null {
  return binding().getWindowSize(checkUint(fd, 'fd', MAX_FD));
}

/** Set the size of the terminal behind fd (a pty master). */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  binding().setWindowSize(checkUint(fd, 'fd', MAX_FD), checkUint(rows, 'rows', MAX_WINSIZE), checkUint(cols, 'cols', MAX_WINSIZE));
}

export function isatty(fd: number): boolean {
  return binding().isatty(checkUint(fd, 'fd', MAX_FD));
}

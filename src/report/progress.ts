/**
 * Progress of long transfers: a line rewritten in place on a terminal, plain lines at each tenth
 * (or every 15 s) elsewhere, so a CI log shows a big upload advancing without a flood.
 */

export type ProgressMode = 'tty' | 'plain' | 'off';

/** Transfers smaller than this finish too fast to be worth reporting. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export interface ProgressOptions {
  /** What moves, e.g. `upload gh-1a2b-large (qcow2)`. */
  label: string;
  /** Bytes expected; unknown totals print amounts without a percentage. */
  total?: number | undefined;
  mode: ProgressMode;
  write: (text: string) => void;
  now?: () => number;
  /** Minimum interval between terminal redraws. */
  redrawMs?: number;
  /** Maximum interval between plain lines when the tenths come slowly. */
  plainEveryMs?: number;
}

export interface Progress {
  /** Reports the bytes moved so far (cumulative). */
  update(bytes: number): void;
  /** Ends the display with a final line; `ok: false` marks an aborted transfer. */
  done(ok?: boolean): void;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[i]}`;
}

/** The mode a parent process hands its workers: a terminal redraws, anything else prints lines. */
export function progressModeFor(isTTY: boolean | undefined, disabled: boolean): ProgressMode {
  if (disabled) return 'off';
  return isTTY ? 'tty' : 'plain';
}

export function parseProgressMode(value: string | undefined): ProgressMode {
  return value === 'tty' || value === 'off' ? value : 'plain';
}

export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const redrawMs = opts.redrawMs ?? 250;
  const plainEveryMs = opts.plainEveryMs ?? 15_000;
  const started = now();
  let last = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = 0;
  let lastPrint = started;
  let finished = false;

  const statusLine = (bytes: number): string => {
    const secs = Math.max((now() - started) / 1000, 1e-3);
    const rate = `${(bytes / 1e6 / secs).toFixed(0)} MB/s`;
    if (opts.total && opts.total > 0) {
      const pct = Math.min(100, Math.floor((bytes / opts.total) * 100));
      return `${opts.label}  ${formatBytes(bytes)} / ${formatBytes(opts.total)}  ${pct}%  ${rate}`;
    }
    return `${opts.label}  ${formatBytes(bytes)}  ${rate}`;
  };

  return {
    update(bytes: number): void {
      if (finished || opts.mode === 'off') return;
      last = bytes;
      const t = now();
      if (opts.mode === 'tty') {
        if (t - lastDraw < redrawMs) return;
        lastDraw = t;
        opts.write(`\r\u001b[2K  ${statusLine(bytes)}`);
        return;
      }
      const tenth = opts.total ? Math.min(9, Math.floor((bytes / opts.total) * 10)) : 0;
      if (tenth <= lastTenth && t - lastPrint < plainEveryMs) return;
      lastTenth = Math.max(lastTenth, tenth);
      lastPrint = t;
      opts.write(`  ${statusLine(bytes)}\n`);
    },
    done(ok = true): void {
      if (finished || opts.mode === 'off') return;
      finished = true;
      const tail = ok ? 'done' : 'stopped';
      const prefix = opts.mode === 'tty' ? '\r\u001b[2K' : '';
      opts.write(`${prefix}  ${statusLine(last)}  ${tail}\n`);
    },
  };
}

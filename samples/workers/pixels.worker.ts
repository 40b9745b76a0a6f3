// Runs on worker threads (loaded through ts-node, as the sample's parent process runs).
// Image-like CPU work on generated pixels: a box blur, then a SHA-256 fingerprint.
import { createHash } from 'node:crypto';
// An application imports it from 'rxjs-worker-pool/threads' (compiled JavaScript). The repository's
// samples run from source, and this path keeps each thread from transpiling the whole library.
import { transfer } from '../../lib/threads/transfer';

export interface Picture {
  name: string;
  width: number;
  height: number;
  /** RGBA, width × height × 4 bytes; moved to the thread, not copied. */
  pixels: Uint8Array;
}

export interface Processed {
  name: string;
  fingerprint: string;
  /** The blurred pixels, moved back. */
  pixels: Uint8Array;
}

/** A 3×3 box blur of every channel, then a fingerprint of the result. */
export function blur(picture: Picture): Processed {
  const { width, height, pixels } = picture;
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= width) continue;
            sum += pixels[(yy * width + xx) * 4 + c];
            n++;
          }
        }
        out[(y * width + x) * 4 + c] = sum / n;
      }
    }
  }
  const fingerprint = createHash('sha256').update(out).digest('hex').slice(0, 16);
  return { name: picture.name, fingerprint, pixels: transfer(out) };
}

/** A filter with a bug: it never returns. The pool's timeout terminates its thread. */
export function runaway(): never {
  for (;;);
}

// After `vite build`: write a Brotli (.br) and a gzip (.gz) copy beside every text file of
// dist/ worth compressing, once, at the highest levels, so that the web function answers them
// with Content-Encoding instead of compressing per request (functions/web.py). Node's own zlib:
// no dependency.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

// dist/ beside this script, or the directory named on the command line.
const DIST = process.argv[2] ?? new URL("../dist/", import.meta.url).pathname;
const TEXT = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/;
const MIN_BYTES = 1024; // smaller files gain nothing worth a second request path

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let written = 0;
for (const path of files(DIST)) {
  if (!TEXT.test(path)) continue;
  const raw = readFileSync(path);
  if (raw.length < MIN_BYTES) continue;
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = gzipSync(raw, { level: 9 });
  // Keep a variant only if it is smaller than the file itself.
  if (br.length < raw.length) writeFileSync(`${path}.br`, br);
  if (gz.length < raw.length) writeFileSync(`${path}.gz`, gz);
  written += 1;
}
console.log(`precompressed ${written} files in dist/`);

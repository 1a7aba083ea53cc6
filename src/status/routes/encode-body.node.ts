import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { EncodeBody } from "./content-coding.ts";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Pages and JSON are compressed once per rendering, in libuv's thread pool: brotli quality 6 and
 * gzip level 6 are within a few percent of their maximum on HTML and take milliseconds, not tens.
 */
export const encodeBodyNode: EncodeBody = async (body) => {
  const [br, gz] = await Promise.all([
    brotli(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 6,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }),
    gzipAsync(body, { level: 6 }),
  ]);
  return { br: new Uint8Array(br), gzip: new Uint8Array(gz) };
};

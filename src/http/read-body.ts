/**
 * Reading a whole undici response body with a size cap, for the Vault and Kubernetes clients
 * alike: past `maxBytes` the body is destroyed (its socket with it) and the caller's own error
 * is thrown, so a broken or hostile server cannot fill the provider's memory.
 */

export interface ResponseBody extends AsyncIterable<Buffer> {
  destroy(): unknown;
}

/**
 * The body as UTF-8 text; `tooLarge` builds the error thrown once it passes `maxBytes`.
 * `onChunk` sees each chunk's size as it arrives (a budget shared by several bodies); when it
 * throws, the body is destroyed and its error thrown, before more is read.
 */
export async function readBodyText(
  body: ResponseBody,
  maxBytes: number,
  tooLarge: () => Error,
  onChunk?: (bytes: number) => void,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    try {
      onChunk?.(chunk.length);
    } catch (error) {
      body.destroy();
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

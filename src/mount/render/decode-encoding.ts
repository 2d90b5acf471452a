/**
 * `encoding`, the last step of rendering an object (after `secretKey`, jmesPath, format,
 * template or pki), with the Go provider's meaning: `base64`/`hex` say the value is stored
 * ENCODED, and the file gets the decoded bytes (a keystore kept as base64 in Vault becomes a
 * binary file). Same alphabets as Go's `base64.StdEncoding` (padding required, CR/LF skipped)
 * and `hex.DecodeString`.
 */
import { InvalidParameterError } from '../../errors.js';
import type { SecretObjectSpec } from '../spec/mount-spec.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** `what` names the value in errors ("the selected value", "the template output"), never its content. */
export function decodeEncoding(object: SecretObjectSpec, value: Buffer, what: string): Buffer {
  const fail = (expected: string): never => {
    throw new InvalidParameterError(
      `object ${JSON.stringify(object.objectName)}: ${what} is not valid ${expected}, but encoding is ` +
        `${object.encoding}; remove encoding or make the value ${object.encoding}-encoded`,
    );
  };
  switch (object.encoding) {
    case 'utf-8':
      return value;
    case 'base64': {
      const text = value.toString('latin1').replace(/[\r\n]/g, '');
      if (!BASE64.test(text)) fail('base64 (standard alphabet, with padding)');
      return Buffer.from(text, 'base64');
    }
    case 'hex': {
      const text = value.toString('latin1');
      if (!HEX.test(text)) fail('hex (an even number of 0-9, a-f digits)');
      return Buffer.from(text, 'hex');
    }
  }
}

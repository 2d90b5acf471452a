/**
 * The `ObjectVersion.version` of one object: a keyed HMAC over the object's definition and its
 * bytes. It changes exactly when either changes, and, being keyed, reveals nothing about the
 * content to readers of SecretProviderClassPodStatus (an unkeyed hash of a low-entropy secret
 * could be guessed offline).
 *
 * Byte-compatible with the Go provider: URL-safe base64 with padding of
 * HMAC-SHA256(key, JSON(config) ‖ contents), where JSON(config) is Go's encoding of its object
 * struct: field names `ObjectName, SecretPath, SecretKey, Method, SecretArgs, FilePermission,
 * Encoding` in that order, no omitempty, values as the user wrote them (see RawObjectFields).
 * With the same HMAC key, an unchanged SecretProviderClass keeps its versions across a switch
 * of provider, so nothing downstream sees a spurious rotation.
 */
import { createHmac } from 'node:crypto';
import { goJson } from '../../go-compat/go-json.js';
import { featureConfigJson } from '../parse/object-features.js';
import type { RawObjectFields, SecretObjectSpec } from '../spec/mount-spec.js';
import { rawObjectFields } from '../parse/objects.js';

/** Go's `json.Marshal` of the object struct, field order and all. */
export function goObjectConfigJson(raw: RawObjectFields): string {
  return (
    `{"ObjectName":${goJson(raw.objectName)},"SecretPath":${goJson(raw.secretPath)},` +
    `"SecretKey":${goJson(raw.secretKey)},"Method":${goJson(raw.method)},` +
    `"SecretArgs":${goJson(raw.secretArgs)},"FilePermission":${goJson(raw.filePermission)},` +
    `"Encoding":${goJson(raw.encoding)}}`
  );
}

/** Per parsed object (frozen, and shared by every Mount of its SPC text): its JSON never changes. */
const configJsonByObject = new WeakMap<SecretObjectSpec, string>();

/** Go's config JSON plus the additive fields, which only objects that use them carry. */
function objectConfigJson(object: SecretObjectSpec): string {
  let json = configJsonByObject.get(object);
  if (json === undefined) {
    const goConfig = goObjectConfigJson(rawObjectFields(object));
    json = `${goConfig.slice(0, -1)}${featureConfigJson(object, goJson)}}`;
    if (Object.isFrozen(object)) configJsonByObject.set(object, json);
  }
  return json;
}

export function objectVersion(hmacKey: Buffer, object: SecretObjectSpec, contents: Buffer): string {
  const mac = createHmac('sha256', hmacKey);
  mac.update(objectConfigJson(object), 'utf8');
  mac.update(contents);
  // Go's base64.URLEncoding keeps the '=' padding; Node's 'base64url' drops it.
  return mac.digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

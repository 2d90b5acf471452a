/**
 * Security-relevant parameters a mount's attributes may not set (`-volume-attribute-overrides`
 * with `-protected-parameters`).
 *
 * Why it works this way: the driver copies every key of the pod's inline `volumeAttributes`
 * over the SecretProviderClass `parameters` and sends one merged map, so the provider cannot tell
 * whether `vaultAddress` came from the SPC (written by whoever may edit SPCs) or from the pod
 * (written by anyone who may create a pod in the namespace). The one thing it can enforce is
 * that a protected parameter comes from neither: the operator pins it with a flag.
 * - `allow` (default): the driver's behaviour; existing SPCs keep working;
 * - `ignore`: a protected key in the attributes is dropped and the process default used; the
 *   key names (never values) are reported for a warning;
 * - `deny`: a mount whose attributes set a protected key is refused with InvalidArgument.
 * `roleName` and `objects` cannot be protected: every SPC sets them, and Vault's role binding
 * (service account + namespace) and policies already decide what a pod may read with them.
 */
import { InvalidParameterError } from '../../errors.js';
import { CONNECTION_PARAMETERS } from '../spec/parameter-names.js';

export type OverrideMode = 'allow' | 'ignore' | 'deny';
export const OVERRIDE_MODES: readonly OverrideMode[] = ['allow', 'ignore', 'deny'];

/** Parameters that decide where the pod's token goes and whom the provider trusts. */
export const DEFAULT_PROTECTED_PARAMETERS: readonly string[] = CONNECTION_PARAMETERS.filter(
  (parameter) => parameter !== 'roleName',
);

/** Parameters that may be protected: the default set (every connection setting but roleName). */
export const CONNECTION_PARAMETERS_FOR_PROTECTION: readonly string[] = DEFAULT_PROTECTED_PARAMETERS;

/** Never protectable: they are per-SPC by nature (see the module comment). */
export const UNPROTECTABLE_PARAMETERS: readonly string[] = ['roleName', 'objects'];

export interface OverridePolicy {
  readonly mode: OverrideMode;
  readonly protectedParameters: readonly string[];
}

export const DEFAULT_OVERRIDE_POLICY: OverridePolicy = {
  mode: 'allow',
  protectedParameters: DEFAULT_PROTECTED_PARAMETERS,
};

/**
 * Applies the policy to the merged attributes. Returns the attributes to use and the protected
 * keys that were dropped (empty unless the mode is `ignore`). An empty value counts as unset.
 */
export function applyOverridePolicy(
  attributes: ReadonlyMap<string, string>,
  policy: OverridePolicy,
): { attributes: ReadonlyMap<string, string>; ignored: readonly string[] } {
  if (policy.mode === 'allow') return { attributes, ignored: [] };
  const present = policy.protectedParameters.filter((key) => (attributes.get(key) ?? '') !== '');
  if (present.length === 0) return { attributes, ignored: [] };
  if (policy.mode === 'deny') {
    const names = present.map((key) => `"${key}"`).join(', ');
    throw new InvalidParameterError(
      `parameter ${names}: set by the SecretProviderClass or the pod's volumeAttributes, but the operator pins ` +
        `${present.length === 1 ? 'it' : 'them'} with provider flags (-volume-attribute-overrides=deny, -protected-parameters); remove ${present.length === 1 ? 'it' : 'them'}`,
    );
  }
  const kept = new Map(attributes);
  for (const key of present) kept.delete(key);
  return { attributes: kept, ignored: present };
}

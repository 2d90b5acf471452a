/**
 * Go's `strconv.ParseBool`, which the Go provider uses for every boolean flag and parameter, so
 * `-flag=T` and `vaultSkipTLSVerify: "1"` mean here what they meant there.
 */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

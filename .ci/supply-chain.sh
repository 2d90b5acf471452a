#!/usr/bin/env bash
# Supply-chain checks (docs/security.md, "Supply chain"): lockfile pinned, no install scripts,
# npm audit of the runtime dependencies, and a CycloneDX SBOM in sbom.cdx.json.
# An unreachable audit endpoint is reported loudly as SKIPPED, not as a pass, and does not fail
# the build (some networks proxy the registry without the audit API); real findings fail it.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lockfile: present, lockfileVersion 3, every package pinned with an integrity hash (bundled ones ride in their parent)"
node -e '
const lock = require("./package-lock.json");
if (lock.lockfileVersion !== 3) throw new Error("package-lock.json must be lockfileVersion 3");
const missing = Object.entries(lock.packages).filter(([path, p]) => path !== "" && !p.link && !p.inBundle && !p.integrity);
if (missing.length > 0) throw new Error("packages without integrity: " + missing.map(([p]) => p).join(", "));
'

echo "== install scripts: none runs (.npmrc ignore-scripts), each one that exists is listed in allowScripts"
node -e '
const lock = require("./package-lock.json");
const allowed = require("./package.json").allowScripts ?? {};
const withScripts = Object.keys(lock.packages).filter((path) => lock.packages[path].hasInstallScript)
  .map((path) => path.replace(/^.*node_modules\//, ""));
const unlisted = withScripts.filter((name) => !(name in allowed));
if (unlisted.length > 0) throw new Error("install scripts not reviewed in package.json allowScripts: " + unlisted.join(", "));
console.log("packages with install scripts (not run):", withScripts.join(", ") || "none");
'
grep -qx 'ignore-scripts=true' .npmrc

echo "== npm audit --omit=dev"
set +e
audit_output="$(npm audit --omit=dev 2>&1)"
audit_status=$?
set -e
echo "$audit_output"
if [ "$audit_status" -ne 0 ]; then
  if grep -qE 'audit endpoint returned an error|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|405 Method Not Allowed' <<<"$audit_output"; then
    echo "!! npm audit SKIPPED: the registry's audit endpoint is unreachable from this machine. This is NOT a pass; run 'npm audit --omit=dev' where the endpoint is reachable."
  else
    echo "!! npm audit found vulnerabilities in runtime dependencies (above); fix or explain each in docs/security.md"
    exit 1
  fi
fi

echo "== SBOM (CycloneDX, runtime dependencies) -> sbom.cdx.json"
npm sbom --sbom-format cyclonedx --omit=dev >sbom.cdx.json
node -e 'const s = require("./sbom.cdx.json"); console.log(`sbom.cdx.json: ${s.components.length} components, spec ${s.specVersion}`)'

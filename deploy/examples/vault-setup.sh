#!/bin/sh
# Vault side of the examples, with the vault CLI (VAULT_ADDR and a privileged VAULT_TOKEN set).
# Kubernetes auth verifies the pods' service-account tokens (audience "vault", from the CSIDriver
# tokenRequests) against the cluster's OIDC issuer and TokenReview.
set -eu

NAMESPACE=app            # namespace of the app pods
SERVICE_ACCOUNT=app      # their service account
KUBE_HOST=${KUBE_HOST:-https://kubernetes.default.svc:443}
# The service-account token issuer: kubectl get --raw /.well-known/openid-configuration | jq -r .issuer
ISSUER=${ISSUER:-https://kubernetes.default.svc.cluster.local}

# 1. Kubernetes auth method. Inside the cluster Vault uses its own pod's token and CA for
#    TokenReview; outside, add token_reviewer_jwt=... and kubernetes_ca_cert=@ca.crt.
vault auth enable kubernetes || true
vault write auth/kubernetes/config \
  kubernetes_host="$KUBE_HOST" \
  issuer="$ISSUER"

# 2. Secrets used by the SecretProviderClass examples.
vault secrets enable -path=secret -version=2 kv || true
vault kv put secret/app/db password='change-me'
vault kv put secret/app/config log_level=info feature_x=true
openssl genpkey -algorithm ed25519 | vault kv put secret/app/tls key=-
vault kv put secret/app/keystore keystore="$(printf 'not really a keystore' | base64)"
vault secrets enable -path=kv -version=1 kv || true
vault kv put kv/app/legacy token='legacy-token'

# 3. A read-only policy for the app (database and PKI lines for spc-database.yaml/spc-pki.yaml).
vault policy write app - <<'POLICY'
path "secret/data/app/*" {
  capabilities = ["read"]
}
path "kv/app/*" {
  capabilities = ["read"]
}
path "database/creds/app" {
  capabilities = ["read"]
}
path "pki/issue/app" {
  capabilities = ["create", "update"]
}
POLICY

# 4. The role named by roleName in the SecretProviderClass: bound to the service account, its
#    namespace and the audience the CSIDriver requests tokens for.
vault write auth/kubernetes/role/app \
  bound_service_account_names="$SERVICE_ACCOUNT" \
  bound_service_account_namespaces="$NAMESPACE" \
  audience=vault \
  token_policies=app \
  token_ttl=20m

# Dynamic secrets for spc-database.yaml and spc-pki.yaml need their engines configured, e.g.:
#   vault secrets enable database
#   vault write database/config/app plugin_name=postgresql-database-plugin ...
#   vault write database/roles/app db_name=app creation_statements=... default_ttl=1h
#   vault secrets enable pki && vault write pki/root/generate/internal common_name=example ttl=8760h
#   vault write pki/roles/app allowed_domains=app.svc.cluster.local allow_subdomains=true max_ttl=72h

{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "vault-csi-provider.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the objects: fullnameOverride, else the release name when it contains the chart
name, else "<release>-<chart>".
*/}}
{{- define "vault-csi-provider.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels that select the provider pods; never change them on upgrade. */}}
{{- define "vault-csi-provider.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vault-csi-provider.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of every object. No Helm-specific labels unless helmLabels is set, so that the default
render equals the plain manifests in deploy/kubernetes.
*/}}
{{- define "vault-csi-provider.labels" -}}
{{ include "vault-csi-provider.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: csi-provider
app.kubernetes.io/part-of: secrets-store-csi-driver
{{- if .Values.helmLabels }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "vault-csi-provider.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vault-csi-provider.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vault-csi-provider.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Port number of healthAddr (":8080", "0.0.0.0:8080", "[::]:8080"). */}}
{{- define "vault-csi-provider.healthPort" -}}
{{- last (splitList ":" .Values.healthAddr) | int }}
{{- end }}

{{/*
Where the HMAC key of object versions comes from: "file" (hmac.keyFile wins), "kubernetes-secret"
or "random". The flag and the Role that reads the Secret both follow this one value.
*/}}
{{- define "vault-csi-provider.hmacKeySource" -}}
{{- if .Values.hmac.keyFile }}file{{ else if .Values.hmac.fromKubernetesSecret }}kubernetes-secret{{ else }}random{{ end }}
{{- end }}

{{/*
The --allowed-vault-addresses value: security.allowedVaultAddresses, else vault.address alone;
empty (no allowlist) with security.allowAnyVaultAddress or when neither is set.
*/}}
{{- define "vault-csi-provider.allowedVaultAddresses" -}}
{{- if not .Values.security.allowAnyVaultAddress }}
{{- if .Values.security.allowedVaultAddresses }}
{{- join "," .Values.security.allowedVaultAddresses }}
{{- else if .Values.vault.address }}
{{- .Values.vault.address }}
{{- end }}
{{- end }}
{{- end }}

{{/* "true" when the provider talks to the Kubernetes API at all. */}}
{{- define "vault-csi-provider.usesKubeApi" -}}
{{- if or (eq (include "vault-csi-provider.hmacKeySource" .) "kubernetes-secret") .Values.tokenRequestFallback.enabled .Values.leaseRevocation.enabled }}true{{ end }}
{{- end }}

{{/*
Name of the cluster-scoped objects (ClusterRole, ClusterRoleBinding): the cluster has one of
each name, so the release namespace is part of it and two releases of the same name in two
namespaces do not collide. A namespace cannot contain ":", so no two releases share a name.
*/}}
{{- define "vault-csi-provider.clusterScopedName" -}}
{{- printf "%s:%s" .Release.Namespace (include "vault-csi-provider.fullname" .) }}
{{- end }}

{{/*
Flags the chart sets from values, together with the Kubernetes permissions they need. Passed in
extraArgs they would switch a feature on without its RBAC (403 at run time), so they are refused.
*/}}
{{- define "vault-csi-provider.checkExtraArgs" -}}
{{- $fromValues := dict
  "revoke-leases-of-deleted-pods" "leaseRevocation.enabled"
  "node-name" "leaseRevocation.enabled"
  "token-request-fallback" "tokenRequestFallback.enabled"
  "hmac-key-source" "hmac.fromKubernetesSecret or hmac.keyFile"
  "hmac-secret-name" "hmac.secretName"
  "hmac-key-file" "hmac.keyFile" }}
{{- range $arg := .Values.extraArgs }}
{{- $name := regexReplaceAll "^--?([^=]*).*$" $arg "${1}" }}
{{- with get $fromValues $name }}
{{- fail (printf "extraArgs: %q is set by the chart value %s, which also grants the Kubernetes permissions it needs: set that value instead" $arg .) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Provider command-line flags, one per line as a YAML list. */}}
{{- define "vault-csi-provider.args" -}}
{{- include "vault-csi-provider.checkExtraArgs" . -}}
- "--endpoint=/provider/vault.sock"
- {{ printf "--log-level=%v" (.Values.logLevel) | quote }}
- {{ printf "--health-addr=%v" (.Values.healthAddr) | quote }}
{{- with .Values.vault.address }}
- {{ printf "--vault-addr=%v" . | quote }}
{{- end }}
{{- with .Values.vault.namespace }}
- {{ printf "--vault-namespace=%v" . | quote }}
{{- end }}
- {{ printf "--vault-mount=%v" (.Values.vault.authMount) | quote }}
{{- with .Values.vault.tls.caCert }}
- {{ printf "--vault-tls-ca-cert=%v" . | quote }}
{{- end }}
{{- with .Values.vault.tls.caDirectory }}
- {{ printf "--vault-tls-ca-directory=%v" . | quote }}
{{- end }}
{{- with .Values.vault.tls.serverName }}
- {{ printf "--vault-tls-server-name=%v" . | quote }}
{{- end }}
{{- with .Values.vault.tls.clientCert }}
- {{ printf "--vault-tls-client-cert=%v" . | quote }}
{{- end }}
{{- with .Values.vault.tls.clientKey }}
- {{ printf "--vault-tls-client-key=%v" . | quote }}
{{- end }}
{{- if .Values.vault.tls.skipVerify }}
- "--vault-tls-skip-verify=true"
{{- end }}
{{- with include "vault-csi-provider.allowedVaultAddresses" . }}
- {{ printf "--allowed-vault-addresses=%v" . | quote }}
{{- end }}
{{- with .Values.security.allowedTlsFileDirs }}
- {{ printf "--allowed-tls-file-dirs=%v" (join "," .) | quote }}
{{- end }}
- {{ printf "--volume-attribute-overrides=%v" .Values.security.volumeAttributeOverrides | quote }}
{{- $hmacKeySource := include "vault-csi-provider.hmacKeySource" . }}
{{- /* Never "auto": the source must be the one the Role was rendered for. */}}
- {{ printf "--hmac-key-source=%v" $hmacKeySource | quote }}
{{- if eq $hmacKeySource "kubernetes-secret" }}
- {{ printf "--hmac-secret-name=%v" (.Values.hmac.secretName) | quote }}
{{- else if eq $hmacKeySource "file" }}
- {{ printf "--hmac-key-file=%v" .Values.hmac.keyFile | quote }}
{{- end }}
{{- if .Values.tokenRequestFallback.enabled }}
- "--token-request-fallback=true"
- {{ printf "--token-request-audiences=%v" (join "," .Values.tokenRequestFallback.audiences) | quote }}
{{- end }}
- {{ printf "--max-response-bytes=%v" (int64 .Values.maxResponseBytes) | quote }}
- {{ printf "--cache-size=%v" (int64 .Values.cacheSize) | quote }}
{{- if .Values.leaseRevocation.enabled }}
- "--revoke-leases-of-deleted-pods=true"
{{- end }}
{{- if .Values.leaseCache.persistence.enabled }}
- "--state-dir=/var/lib/vault-csi-provider"
- "--state-key-file=/etc/vault-csi-provider/state-key/key"
{{- end }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}

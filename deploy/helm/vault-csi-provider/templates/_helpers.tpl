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

{{/* "true" when the provider talks to the Kubernetes API at all. */}}
{{- define "vault-csi-provider.usesKubeApi" -}}
{{- if or .Values.hmac.fromKubernetesSecret .Values.tokenRequestFallback.enabled .Values.leaseRevocation.enabled }}true{{ end }}
{{- end }}

{{/* Provider command-line flags, one per line as a YAML list. */}}
{{- define "vault-csi-provider.args" -}}
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
{{- if .Values.hmac.fromKubernetesSecret }}
- {{ printf "--hmac-secret-name=%v" (.Values.hmac.secretName) | quote }}
{{- end }}
{{- with .Values.hmac.keyFile }}
- {{ printf "--hmac-key-file=%v" . | quote }}
{{- end }}
{{- if not (or .Values.hmac.fromKubernetesSecret .Values.hmac.keyFile) }}
{{- /* Neither shared source: say so, or a token mounted for another feature would make auto pick the Secret. */}}
- "--hmac-key-source=random"
{{- end }}
{{- if .Values.tokenRequestFallback.enabled }}
- "--token-request-fallback=true"
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

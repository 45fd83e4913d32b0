{{/* Hand-written (hack/installgen/chart): the helpers the generated templates call. */}}

{{/*
The prefix of every object's name: the release's name when it holds the
chart's, else "<release>-workloadhealth"; `helm install workloadhealth`
gives the names of config/default.
*/}}
{{- define "workloadhealth.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 28 | trimSuffix "-" }}
{{- else if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 28 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 28 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels Helm's objects carry besides config/'s own. */}}
{{- define "workloadhealth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "workloadhealth.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

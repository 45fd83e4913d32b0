package health

import "testing"

func TestDNSFailure(t *testing.T) {
	tests := []struct{ in, name string }{
		{"dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host", "autoscaler.knative-serving.svc.cluster.local"},
		{"dial tcp: lookup db.prod: no such host", "db.prod"},
		{"** server can't find db.prod.svc.cluster.local: NXDOMAIN", "db.prod.svc.cluster.local"},
		{"lookup api.example.com on 10.96.0.10:53: server misbehaving", "api.example.com"},
		{"Error: getaddrinfo ENOTFOUND redis-master", "redis-master"},
		{"java.net.UnknownHostException: kafka-0.kafka-headless: Name or service not known", "kafka-0.kafka-headless"},
		{"dial tcp: lookup auth.svc on 10.96.0.10:53: read udp 10.0.0.5:4000->10.96.0.10:53: i/o timeout", "auth.svc"},
		{"curl: (6) Could not resolve host; Temporary failure in name resolution", ""},
		{"first line\nfailed: lookup cache.local. on 10.96.0.10:53: no such host\nlast", "cache.local"},
	}
	for _, tc := range tests {
		name, at, ok := dnsFailure(tc.in)
		if !ok || name != tc.name || at < 0 {
			t.Errorf("dnsFailure(%q) = %q %d %v, want %q", tc.in, name, at, ok, tc.name)
		}
	}
	for _, in := range []string{"connection refused", "", "host is fine"} {
		if _, _, ok := dnsFailure(in); ok {
			t.Errorf("dnsFailure(%q) found a DNS failure", in)
		}
	}
}

func TestDependencyFailure(t *testing.T) {
	tests := []struct{ in, addr, what string }{
		{"dial tcp 10.96.44.12:5432: connect: connection refused", "10.96.44.12:5432", "connection refused"},
		{"redis: dial tcp 10.96.8.3:6379: i/o timeout", "10.96.8.3:6379", "i/o timeout"},
		{"dial tcp [fd00::12]:443: connect: connection refused", "[fd00::12]:443", "connection refused"},
		{"Error: connect ECONNREFUSED 10.96.0.30:27017", "10.96.0.30:27017", "connection refused"},
		{"java.net.ConnectException: Connection refused (Connection refused)", "", "connection refused"},
	}
	for _, tc := range tests {
		addr, what, _, ok := dependencyFailure(tc.in)
		if !ok || addr != tc.addr || what != tc.what {
			t.Errorf("dependencyFailure(%q) = %q %q %v, want %q %q", tc.in, addr, what, ok, tc.addr, tc.what)
		}
	}
	if _, _, _, ok := dependencyFailure("dial tcp: lookup x on 10.96.0.10:53: read udp: i/o timeout"); ok {
		t.Error("a DNS timeout is not an unreachable dependency")
	}
	for in, want := range map[string]string{"10.0.0.5:8012": "10.0.0.5", "[fd00::1]:80": "fd00::1", "fd00::1": "fd00::1", "host": "host"} {
		if got := addrHost(in); got != want {
			t.Errorf("addrHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMissingConfig(t *testing.T) {
	tests := []struct{ in, kind, name, key string }{
		{`secret "db-credentials" not found`, "Secret", "db-credentials", ""},
		{`Error: secret "db-credentials" not found`, "Secret", "db-credentials", ""},
		{`MountVolume.SetUp failed for volume "config" : configmap "app-config" not found`, "ConfigMap", "app-config", ""},
		{`configmaps "app-config" not found`, "ConfigMap", "app-config", ""},
		{"couldn't find key password in Secret default/db-credentials", "Secret", "db-credentials", "password"},
		{"couldn't find key LOG_LEVEL in ConfigMap prod/app", "ConfigMap", "app", "LOG_LEVEL"},
	}
	for _, tc := range tests {
		kind, name, key, ok := missingConfig(tc.in)
		if !ok || kind != tc.kind || name != tc.name || key != tc.key {
			t.Errorf("missingConfig(%q) = %q %q %q %v", tc.in, kind, name, key, ok)
		}
	}
	if _, _, _, ok := missingConfig(`secret "x" is fine`); ok {
		t.Error("found a missing Secret where none is")
	}
}

func TestSchedulerReasonsAndAdvice(t *testing.T) {
	tests := []struct{ in, reasons, advice string }{
		{"0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
			"3 Insufficient memory", "lower the pod's resource requests or add node capacity"},
		{"0/5 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector.",
			"2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector",
			"add a toleration or remove the taint from the nodes"},
		{`0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.`, "pod has unbound immediate PersistentVolumeClaims",
			"check that the pod's PersistentVolumeClaims are bound (StorageClass, provisioner, zone)"},
	}
	for _, tc := range tests {
		r := schedulerReasons(tc.in)
		if r != tc.reasons || schedulerAdvice(r) != tc.advice {
			t.Errorf("schedulerReasons(%q) = %q advice %q", tc.in, r, schedulerAdvice(r))
		}
	}
}

func TestProbeDiagnosisAndVolumes(t *testing.T) {
	for in, want := range map[string]string{
		`Readiness probe failed: HTTP probe failed with statuscode: 503`: "the app answers its probe with HTTP 503: its own health check reports an error",
		`Liveness probe failed: command timed out`:                       "the probe timed out: raise its timeoutSeconds, or find out why the app answers slowly (overload, a blocked dependency)",
		`Readiness probe failed: cat: /tmp/ready: No such file`:          "",
	} {
		if got := probeDiagnosis(in); got != want {
			t.Errorf("probeDiagnosis(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`MountVolume.SetUp failed for volume "data" : mount failed`:                          "data",
		`Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[]`: "data",
		"no volume named here": "",
	} {
		if got := volumeName(in); got != want {
			t.Errorf("volumeName(%q) = %q, want %q", in, got, want)
		}
	}
}

package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The deployment files (Containerfile, deploy/systemd, deploy/kubernetes) and
// docs/deploy.md name this command's flags and environment variables. These tests hold
// them to the ones it has, and run the settings each file gives through parseFlags, so
// that a renamed flag or a value the server refuses fails here rather than at a deploy.

const (
	containerfile  = "../../Containerfile"
	systemdUnit    = "../../deploy/systemd/switchboard.service"
	systemdEnv     = "../../deploy/systemd/switchboard.env.example"
	kubernetesFile = "../../deploy/kubernetes/switchboard.yaml"
	deployDoc      = "../../docs/deploy.md"
)

// settings are the flags and environment variables --help lists.
type settings struct {
	flags map[string]bool
	env   map[string]bool
}

func helpSettings(t *testing.T) settings {
	t.Helper()
	var help bytes.Buffer
	if _, err := parseFlags([]string{"--help"}, func(string) string { return "" }, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	s := settings{flags: map[string]bool{}, env: map[string]bool{}}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(help.String(), -1) {
		s.flags[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`\(env (SWITCHBOARD_[A-Z_]+)`).FindAllStringSubmatch(help.String(), -1) {
		s.env[m[1]] = true
	}
	if !s.flags["db"] || !s.env["SWITCHBOARD_DB"] {
		t.Fatalf("found no --db or SWITCHBOARD_DB in --help: its format changed?\n%s", help.String())
	}
	return s
}

var (
	envRef = regexp.MustCompile(`\bSWITCHBOARD_[A-Z_]+\b`)
	// A flag of this command: on a line that runs it (the command first, or quoted), after
	// its name.
	commandLine = regexp.MustCompile(`(?m)(?:^\s*|\x60)(?:\S*/)?switchboard((?:\s+--?[a-z][a-z-]*(?:[= ][^\s\x60-][^\s\x60]*)?)+)`)
	flagRef     = regexp.MustCompile(`--?([a-z][a-z-]*)`)
	// A flag quoted on its own in prose: `--rate-limit`, `--db postgres://…`.
	quotedFlag = regexp.MustCompile("`--([a-z][a-z-]*)")
)

// TestDeployFilesNameRealSettings: every SWITCHBOARD_ variable and every flag of the
// command the deployment files and docs/deploy.md name is one --help lists.
func TestDeployFilesNameRealSettings(t *testing.T) {
	s := helpSettings(t)
	for _, file := range []string{containerfile, systemdUnit, systemdEnv, kubernetesFile, deployDoc} {
		text := readFile(t, file)
		for _, name := range envRef.FindAllString(text, -1) {
			if !s.env[name] {
				t.Errorf("%s names %s, which switchboard --help does not list", file, name)
			}
		}
		var flags []string
		for _, m := range commandLine.FindAllStringSubmatch(text, -1) {
			for _, f := range flagRef.FindAllStringSubmatch(m[1], -1) {
				flags = append(flags, f[1])
			}
		}
		for _, m := range quotedFlag.FindAllStringSubmatch(text, -1) {
			flags = append(flags, m[1])
		}
		for _, f := range flags {
			if !s.flags[f] && f != "help" {
				t.Errorf("%s names the flag --%s, which switchboard --help does not list", file, f)
			}
		}
	}
}

// imageEnv is the ENV the Containerfile sets: NAME=value pairs, continued over lines.
func imageEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	var instr strings.Builder
	sc := bufio.NewScanner(strings.NewReader(readFile(t, containerfile)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		instr.WriteString(strings.TrimSuffix(line, `\`) + " ")
		if strings.HasSuffix(line, `\`) {
			continue
		}
		if fields := strings.Fields(instr.String()); len(fields) > 0 && fields[0] == "ENV" {
			for _, kv := range fields[1:] {
				name, value, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("%s: ENV %s: write NAME=value", containerfile, kv)
				}
				env[name] = value
			}
		}
		instr.Reset()
	}
	if len(env) == 0 {
		t.Fatalf("%s sets no ENV", containerfile)
	}
	return env
}

// parseWith runs parseFlags as the server would start with env and args.
func parseWith(env map[string]string, args ...string) (config, error) {
	return parseFlags(args, func(name string) string { return env[name] }, io.Discard)
}

// What the Secret the Kubernetes manifest reads holds, in the shape the docs give.
var sampleSecret = map[string]string{
	"db-url":      "postgres://switchboard:secret@postgres:5432/switchboard?sslmode=require&pool_max_conns=16",
	"account-sid": "AC0123456789abcdef0123456789abcdef",
	"auth-token":  "0123456789abcdef0123456789abcdef",
}

// The parts of the Kubernetes objects the test reads.
type (
	k8sObject struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			Replicas     int              `yaml:"replicas"`
			MinAvailable int              `yaml:"minAvailable"`
			Selector     map[string]any   `yaml:"selector"`
			Template     k8sPodTemplate   `yaml:"template"`
			Ports        []k8sServicePort `yaml:"ports"`
		} `yaml:"spec"`
	}
	k8sPodTemplate struct {
		Metadata struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Spec struct {
			Containers []k8sContainer `yaml:"containers"`
		} `yaml:"spec"`
	}
	k8sContainer struct {
		Args  []string `yaml:"args"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string  `yaml:"name"`
			Value     *string `yaml:"value"`
			ValueFrom struct {
				SecretKeyRef *struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
		LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	}
	k8sProbe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port any    `yaml:"port"`
		} `yaml:"httpGet"`
	}
	k8sServicePort struct {
		Port       int `yaml:"port"`
		TargetPort any `yaml:"targetPort"`
	}
)

// TestKubernetesManifest: two replicas whose settings (the image's environment, the
// manifest's, the Secret's in the shape the docs give) the server accepts, with a
// PostgreSQL database and an address the probes and the Service reach; both probes on
// /healthz; a Service and a PodDisruptionBudget that select the pods.
func TestKubernetesManifest(t *testing.T) {
	objects := map[string]k8sObject{}
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, kubernetesFile)))
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", kubernetesFile, err)
		}
		objects[o.Kind] = o
	}
	deployment, ok := objects["Deployment"]
	if !ok {
		t.Fatalf("%s has no Deployment", kubernetesFile)
	}
	if deployment.Spec.Replicas != 2 {
		t.Errorf("the Deployment has %d replicas, not 2", deployment.Spec.Replicas)
	}
	if len(deployment.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("the Deployment's pods have %d containers, not 1", len(deployment.Spec.Template.Spec.Containers))
	}
	c := deployment.Spec.Template.Spec.Containers[0]

	env := imageEnv(t)
	doc := readFile(t, deployDoc)
	for _, e := range c.Env {
		switch ref := e.ValueFrom.SecretKeyRef; {
		case e.Value != nil:
			env[e.Name] = *e.Value
		case ref != nil:
			value, ok := sampleSecret[ref.Key]
			if !ok {
				t.Fatalf("%s reads the Secret's key %q, which this test does not know", e.Name, ref.Key)
			}
			env[e.Name] = value
			// The docs' kubectl create secret makes every key the manifest reads.
			if !strings.Contains(doc, "--from-literal="+ref.Key+"=") {
				t.Errorf("%s reads the Secret's key %q, which docs/deploy.md's kubectl create secret does not make", e.Name, ref.Key)
			}
		default:
			t.Errorf("the environment variable %s has neither a value nor a secretKeyRef", e.Name)
		}
	}
	cfg, err := parseWith(env, c.Args...)
	if err != nil {
		t.Fatalf("the server refuses the pods' settings: %v", err)
	}
	if !strings.HasPrefix(cfg.db, "postgres://") {
		t.Errorf("the replicas' database is %q, not a PostgreSQL URL: replicas cannot share a SQLite file", cfg.db)
	}
	if cfg.authToken == "" || cfg.accountSid == "" {
		t.Errorf("the replicas get no fixed main account (account SID %q): each would make its own on a new database", cfg.accountSid)
	}

	// The port the server listens on is the container's, which the probes and the
	// Service name.
	host, port, err := net.SplitHostPort(cfg.addr)
	if err != nil {
		t.Fatalf("address %q: %v", cfg.addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		t.Errorf("the server listens on %s, which the kubelet's probes and the Service cannot reach: listen on 0.0.0.0", cfg.addr)
	}
	var portName string
	for _, p := range c.Ports {
		if p.ContainerPort == atoi(t, port) {
			portName = p.Name
		}
	}
	if portName == "" {
		t.Fatalf("the server listens on port %s, which the container does not declare (%+v)", port, c.Ports)
	}
	for name, probe := range map[string]*k8sProbe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe} {
		switch {
		case probe == nil || probe.HTTPGet == nil:
			t.Errorf("the container has no %s with httpGet", name)
		case probe.HTTPGet.Path != "/healthz":
			t.Errorf("the %s asks for %s, not /healthz", name, probe.HTTPGet.Path)
		case probe.HTTPGet.Port != portName && probe.HTTPGet.Port != atoi(t, port):
			t.Errorf("the %s asks port %v, not the server's %s (%s)", name, probe.HTTPGet.Port, port, portName)
		}
	}

	labels := deployment.Spec.Template.Metadata.Labels
	selects := func(kind string, selector map[string]any) {
		t.Helper()
		match, _ := selector["matchLabels"].(map[string]any)
		if kind == "Service" { // a Service's selector is the labels themselves
			match = selector
		}
		if len(match) == 0 {
			t.Errorf("the %s selects no labels", kind)
		}
		for k, v := range match {
			if labels[k] != v {
				t.Errorf("the %s selects %s=%v, which the pods do not have (%v)", kind, k, v, labels)
			}
		}
	}
	selects("Deployment", deployment.Spec.Selector)
	service, ok := objects["Service"]
	if !ok {
		t.Fatalf("%s has no Service", kubernetesFile)
	}
	selects("Service", service.Spec.Selector)
	if len(service.Spec.Ports) == 0 || (service.Spec.Ports[0].TargetPort != portName && service.Spec.Ports[0].TargetPort != atoi(t, port)) {
		t.Errorf("the Service's ports %+v do not lead to the server's port %s (%s)", service.Spec.Ports, port, portName)
	}
	pdb, ok := objects["PodDisruptionBudget"]
	if !ok {
		t.Fatalf("%s has no PodDisruptionBudget", kubernetesFile)
	}
	selects("PodDisruptionBudget", pdb.Spec.Selector)
	if pdb.Spec.MinAvailable < 1 || pdb.Spec.MinAvailable >= deployment.Spec.Replicas {
		t.Errorf("the PodDisruptionBudget keeps %d of %d replicas: a drain must leave one, and be possible", pdb.Spec.MinAvailable, deployment.Spec.Replicas)
	}
}

// TestSystemdUnit: the settings the unit and its environment file give are ones the
// server accepts, and its SQLite file is in the state directory systemd makes for it.
func TestSystemdUnit(t *testing.T) {
	unit := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(readFile(t, systemdUnit)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if key, value, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			unit[key] = append(unit[key], value)
		}
	}
	env := map[string]string{}
	for _, kv := range unit["Environment"] {
		name, value, _ := strings.Cut(kv, "=")
		env[name] = value
	}
	// The environment file after Environment=, as systemd reads them: it wins.
	if files := unit["EnvironmentFile"]; len(files) != 1 || !strings.Contains(readFile(t, deployDoc), files[0]) {
		t.Errorf("the unit reads EnvironmentFile=%v, which docs/deploy.md does not say to install", files)
	}
	sc = bufio.NewScanner(strings.NewReader(readFile(t, systemdEnv)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if name, value, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[name] = value
		}
	}
	execStart := strings.Fields(strings.Join(unit["ExecStart"], " "))
	if len(execStart) == 0 || filepath.Base(execStart[0]) != "switchboard" {
		t.Fatalf("the unit's ExecStart is %q, not the switchboard binary", execStart)
	}
	cfg, err := parseWith(env, execStart[1:]...)
	if err != nil {
		t.Fatalf("the server refuses the unit's settings: %v", err)
	}
	if (cfg.accountSid == "") != (cfg.authToken == "") {
		t.Errorf("the environment file sets one of the account SID (%q) and the auth token, not both: the server refuses that", cfg.accountSid)
	}
	states := unit["StateDirectory"]
	if len(states) != 1 || filepath.Dir(cfg.db) != filepath.Join("/var/lib", states[0]) {
		t.Errorf("the database %s is not in the unit's StateDirectory (/var/lib/%v), the one place it may write", cfg.db, states)
	}
	for _, hardening := range []string{"NoNewPrivileges", "ProtectSystem", "DynamicUser", "CapabilityBoundingSet"} {
		if _, ok := unit[hardening]; !ok {
			t.Errorf("the unit lost its %s= setting", hardening)
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a port number", s)
	}
	return n
}

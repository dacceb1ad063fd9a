// Command netpol evaluates connections against NetworkPolicies with cyclonus's policy engine
// (github.com/mattfenwick/cyclonus/pkg/matcher, the Kubernetes SIG Network project's), as an
// oracle for kiln's own evaluator. It reads {"policies": [...], "traffic": [...]} as JSON on
// stdin and writes one {"ingress": bool, "egress": bool} per traffic item to stdout.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	v1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

type peer struct {
	Namespace       string            `json:"namespace,omitempty"`
	NamespaceLabels map[string]string `json:"namespaceLabels,omitempty"`
	PodLabels       map[string]string `json:"podLabels,omitempty"`
	Pod             bool              `json:"pod"`
	IP              string            `json:"ip"`
}

type traffic struct {
	Source      peer   `json:"source"`
	Destination peer   `json:"destination"`
	Port        int    `json:"port"`
	PortName    string `json:"portName,omitempty"`
	Protocol    string `json:"protocol,omitempty"`
}

type input struct {
	Policies []*networkingv1.NetworkPolicy `json:"policies"`
	Traffic  []traffic                     `json:"traffic"`
}

type verdict struct {
	Ingress bool `json:"ingress"`
	Egress  bool `json:"egress"`
}

func toPeer(p peer) *matcher.TrafficPeer {
	out := &matcher.TrafficPeer{IP: p.IP}
	if p.Pod {
		out.Internal = &matcher.InternalPeer{PodLabels: p.PodLabels, NamespaceLabels: p.NamespaceLabels, Namespace: p.Namespace}
	}
	return out
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "netpol: reading input: %v\n", err)
		os.Exit(2)
	}
	// Unsimplified: each policy's rules as written.
	policies := matcher.BuildNetworkPolicies(false, in.Policies)
	out := make([]verdict, 0, len(in.Traffic))
	for _, t := range in.Traffic {
		protocol := v1.ProtocolTCP
		if t.Protocol != "" {
			protocol = v1.Protocol(t.Protocol)
		}
		r := policies.IsTrafficAllowed(&matcher.Traffic{
			Source:           toPeer(t.Source),
			Destination:      toPeer(t.Destination),
			ResolvedPort:     t.Port,
			ResolvedPortName: t.PortName,
			Protocol:         protocol,
		})
		out = append(out, verdict{Ingress: r.Ingress.IsAllowed(), Egress: r.Egress.IsAllowed()})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "netpol: %v\n", err)
		os.Exit(1)
	}
}

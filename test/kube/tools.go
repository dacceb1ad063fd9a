//go:build tools

// Package kube only pins the kube-apiserver command in this module's graph.
package kube

import _ "k8s.io/kubernetes/cmd/kube-apiserver"

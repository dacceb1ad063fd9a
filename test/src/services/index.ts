import { connect } from "./connect.js";
import { dockerd } from "./dockerd.js";
import { kafka } from "./kafka.js";
import { kubeApiserverService } from "./kube-apiserver.js";
import { registry } from "./registry.js";
import type { Service } from "./service.js";

/**
 * Every service the real-peer suites share. The global setup starts them all
 * (concurrently), and stops them after the run.
 */
export const services: Service[] = [kafka, connect, kubeApiserverService, registry, dockerd];

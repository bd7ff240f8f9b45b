/**
 * `peregrine setup apiserver|check`: connecting a kube-apiserver to ingest. `apiserver` writes what goes on the
 * control-plane nodes (the webhook kubeconfig, an audit policy, the flags); `check` tells whether an audit policy
 * gives the rules the request bodies they read. The parts are in ../setup/.
 */
import { type Command, UsageError } from '../usage.js';
import { setupApiserver } from './setup-apiserver.js';
import { setupCheck } from './setup-check.js';

export const setupCommand: Command = {
  name: 'setup',
  summary: 'connect a kube-apiserver: webhook kubeconfig, audit policy, flags; check a policy against the rules',
  help: `Usage: peregrine setup apiserver --url URL CREDENTIAL [options]
       peregrine setup check --policy FILE [--rules FILE]... [--verbose]

setup apiserver prints what a kube-apiserver needs to send its audit events
to ingest, in three sections: the webhook kubeconfig
(--audit-webhook-config-file), a recommended audit policy
(--audit-policy-file) and the kube-apiserver flags to add, each with the
reason for its value. It then checks the policy against the rules (as
setup check does) and says on stderr if a rule would not see what it reads.

  --url URL                  ingest's webhook, e.g. https://peregrine.example.com:8765/k8s-audit
  --cluster NAME             the cluster's name: posts to URL/NAME, as ingest expects
  CREDENTIAL, one of:
    --token T                a bearer token listed in ingest's auth.tokens
    --token-file F           the same, read from a file (keeps it out of shell history)
    --client-cert F --client-key F
                             a client certificate for mTLS (PEM files)
  --ca-file F                PEM CA bundle that signed ingest's certificate
                             (default: the node's system CAs)
  --events-per-second N      audit events/s of one apiserver, to size the batches
                             (default 100; measure rate(apiserver_audit_event_total))
  --rules FILE               rules in use, repeatable (default: the project's rules/)
  --node-dir DIR             where the files go on the control-plane nodes, as
                             the flags name them (default /etc/kubernetes/peregrine)
  --out-dir DIR              write webhook-kubeconfig.yaml (mode 600),
                             audit-policy.yaml and kube-apiserver-flags.txt to DIR
                             instead of printing them

setup check reads an audit policy (audit.k8s.io/v1 Policy) and tells, for each
enabled rule, whether the requests it matches are audited at the level its
condition reads (Request for ka.req.* and requestObject, RequestResponse for
ka.resp.* and responseObject, Metadata for the rest) and at the stages it
judges, evaluating the policy as the apiserver does (first matching rule).

  --policy FILE              the audit policy to check
  --rules FILE               rules file or directory, repeatable (default: the project's rules/)
  --verbose                  also list the notes: requests some users or namespaces are
                             audited lower for, outputs that will print <NA>

Exit status: 0 when every rule sees what it needs, 1 when some rule would not
(warnings), 2 for a wrong command line or an unreadable policy or rules file.

Examples:
  peregrine setup apiserver --url https://10.96.0.50:8765/k8s-audit --token-file token --ca-file ca.crt
  peregrine setup check --policy /etc/kubernetes/audit-policy.yaml --rules rules/ --rules my_rules.yaml`,

  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'apiserver') return setupApiserver(rest, io);
    if (sub === 'check') return setupCheck(rest, io);
    throw new UsageError(sub === undefined ? "setup needs 'apiserver' or 'check'" : `unknown setup command '${sub}' (apiserver or check)`);
  },
};

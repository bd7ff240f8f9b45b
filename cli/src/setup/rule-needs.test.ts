/**
 * Which audit level puts a field into the event, and what a rule needs as a whole: its condition's level (below it,
 * the rule never fires) and the kinds of request it matches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRules } from '@peregrine/rule-engine';
import { levelForField, levelNeed, ruleNeeds } from './rule-needs.js';

test('levelForField: request body, response body, and everything else', () => {
  assert.equal(levelForField('ka.req.pod.containers.privileged'), 'Request');
  assert.equal(levelForField('ka.req.role.rules.verbs'), 'Request');
  assert.equal(levelForField('ka.req.configmap.name'), 'Metadata'); // objectRef.name
  assert.equal(levelForField('ka.resp.name'), 'RequestResponse');
  assert.equal(levelForField('ka.target.pod.name'), 'RequestResponse');
  assert.equal(levelForField('ka.response.code'), 'Metadata'); // responseStatus, not the body
  assert.equal(levelForField('ka.auth.decision'), 'Metadata'); // an annotation
  assert.equal(levelForField('jevt.value', '/requestObject/spec/tls'), 'Request');
  assert.equal(levelForField('json.value', '/responseObject/metadata/name'), 'RequestResponse');
  assert.equal(levelForField('jevt.value', '/stage'), 'Metadata');
  assert.equal(levelForField('jevt.value'), 'Metadata');
});

test('levelNeed: the highest level of the operands, with the fields that need it, through transformers', () => {
  assert.deepEqual(levelNeed(['ka.verb', 'tolower(ka.req.service.type)', 'jevt.value[/stage]']), { level: 'Request', fields: ['ka.req.service.type'] });
  assert.deepEqual(levelNeed(['ka.req.binding.role', 'ka.resp.name']), { level: 'RequestResponse', fields: ['ka.resp.name'] });
  assert.deepEqual(levelNeed(['ka.user.name']), { level: 'Metadata', fields: [] });
});

test('ruleNeeds: kinds from the inferred resources, subresources and verbs; condition and output apart', () => {
  const text = `- rule: Approvals
  desc: d
  condition: ka.target.resource=certificatesigningrequests and ka.target.subresource=approval and ka.verb in (update, patch) and jevt.value[/requestObject/status] exists
  output: by %ka.user.name named %ka.resp.name
  priority: WARNING
  source: k8s_audit
- rule: Anyone
  desc: d
  condition: ka.user.name=mallory
  output: o
  priority: WARNING
  source: k8s_audit
`;
  const rules = loadRules([{ path: 'r.yaml', text }]).ruleset!.rules;
  const approvals = ruleNeeds(rules[0]!);
  assert.equal(approvals.condition.level, 'Request');
  assert.equal(approvals.output.level, 'RequestResponse');
  assert.deepEqual(approvals.kinds.map((k) => `${k.resource!.group}:${k.resource!.name}/${k.resource!.subresource} ${k.verb}`),
    ['certificates.k8s.io:certificatesigningrequests/approval update', 'certificates.k8s.io:certificatesigningrequests/approval patch']);
  assert.deepEqual(ruleNeeds(rules[1]!).kinds, [{ verb: undefined }]);
});

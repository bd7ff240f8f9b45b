/**
 * Arguments worth trying for each kind of field argument: the tests that compare a field's value across two ways of
 * reading an event (a pruned event, the native decoder's slots) run every field with each of these.
 */
import type { FieldInfo } from './types.js';

export function sampleArgs(field: FieldInfo): (string | undefined)[] {
  switch (field.arg) {
    case 'none':
      return [undefined];
    case 'index':
      return [undefined, '0', '1'];
    case 'key':
      return ['command', 'container', '/var/run/docker.sock', '/etc*', 'dryRun', 'a b'];
    case 'optional-key':
      return [
        undefined, '/user/username', '/objectRef', '/stage', '/requestObject/spec/containers/0/image', '/sourceIPs/0',
        '/annotations/authorization.k8s.io~1decision', '/0', '/', '/user/x~0y',
      ];
  }
}

import { UNREACHABLE_CODES } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'endpoint.mismatch',
  severity: 'major',
  title: 'Catalog image endpoints disagree or point to a dead port',
  symptom:
    'The public endpoint works but internal or admin (what services and some clients use) refuses connections or serves another Glance.',
  // A mismatch needs an endpoint that works: when every one fails alike (a proxy's 502 for a stopped
  // glance-api, a refused port), the catalog is right and the failing exchange names the cause.
  // glance-api answering on its own bind_port (doctor --config) while the endpoint refuses: the catalog
  // points at a dead port even when every interface fails alike.
  applies: (e) => {
    const catalog = e.facts.catalog ?? [];
    const x = e.exchange;
    if (e.facts.glanceRefused === false && e.origin === 'none' && x.error?.code === 'ECONNREFUSED')
      return e.service === 'glance';
    if (!catalog.some((c) => c.reachable)) return false;
    if (catalog.some((c) => !c.reachable || !c.sameGlance)) return true;
    return (
      e.origin === 'none' &&
      UNREACHABLE_CODES.has(x.error?.code ?? '') &&
      catalog.some((c) => x.url.startsWith(c.url.replace(/\/+$/, '')))
    );
  },
  howToConfirm: '`openstack endpoint list --service image` and `curl -s URL/` for each interface.',
  fix: 'Point every image endpoint (public, internal, admin) at a listening glance-api: `openstack endpoint set --url URL ENDPOINT_ID`.',
});

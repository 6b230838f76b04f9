import { isUploadPath, sentToken } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'token.expired-mid-upload',
  severity: 'major',
  title: 'The token expired while the image was uploading',
  symptom:
    'A long PUT /v2/images/{id}/file answers 401 at its end, although the same token worked at its start.',
  applies: (e) => {
    const x = e.exchange;
    if (x.status !== 401 || !sentToken(x) || !isUploadPath(x.method, x.path)) return false;
    const expires = e.facts.tokenExpiresAt ? Date.parse(e.facts.tokenExpiresAt) : Number.NaN;
    const ended = Date.parse(x.startedAt) + x.timings.totalMs;
    return Number.isFinite(expires) && expires <= ended;
  },
  howToConfirm: "Compare the token's expires_at with the upload's start and end times.",
  fix: 'Renew the token before long uploads (the harness renews 5 minutes before expiry), or raise Keystone [token] expiration.',
});

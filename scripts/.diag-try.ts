import { spawnSync } from 'node:child_process';
import { startReference } from '/work/wt/diagnosis/src/reference/index.js';

const fault = process.argv[2] as any;
const via = process.argv[3] ?? 'glance';
const ref = await startReference({ fault, delays: { swiftMs: 10_500, keystoneDownMs: 3500 } });
const admin = ref.users.find((u) => u.role === 'admin')!;
const env = {
  ...process.env,
  OS_AUTH_URL: ref.keystoneUrl,
  OS_USERNAME: admin.name,
  OS_PASSWORD: admin.password,
  OS_PROJECT_NAME: admin.project,
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  GLANCE_HARNESS_REPORTS_DIR: '/tmp/diag-reports',
};
const args = ['bin/glance-harness.js', ...process.argv.slice(4)];
if (via === 'proxy') args.push('--endpoint', ref.proxyUrl);
const { spawn } = await import('node:child_process');
const r = await new Promise<any>((res) => {
  const c = spawn(process.execPath, args, { env, stdio: 'inherit' });
  c.on('close', res);
});
console.log('exit', r);
await ref.close();

// Image build/verify and a full test swap on the nRF9160 slot layout. Run: npm run build:bench && node dist/bench/image.js
import { DeviceFlash } from '../firmware/boot/index.js';
import { buildAppImage, generateSigningKey, parseImage, verifyImage } from '../firmware/image/index.js';

const key = generateSigningKey();
const size = 200_000;
let t = performance.now();
const n = 50;
let image: Buffer = Buffer.alloc(0);
for (let i = 0; i < n; i++)
  image = buildAppImage({ app: 'aws_iot', version: '1.0.1', size, signingKey: key.privateKeyPem });
const buildMs = (performance.now() - t) / n;
t = performance.now();
for (let i = 0; i < n; i++) verifyImage(parseImage(image), { keys: [key.publicKeyPem] });
const verifyMs = (performance.now() - t) / n;

const flash = await DeviceFlash.open({ bootloaderKeys: [key.publicKeyPem] });
await flash.program(buildAppImage({ app: 'aws_iot', version: '1.0.0', size, signingKey: key.privateKeyPem }));
const w = flash.imageControl().secondaryWriter();
await w.write(image);
await w.done();
await flash.imageControl().requestUpgrade('test');
t = performance.now();
const report = await flash.bootloader().boot();
const swapMs = performance.now() - t;
process.stdout.write(
  `${JSON.stringify({ bench: 'image', bodyBytes: size, buildSignedMs: +buildMs.toFixed(2), parseVerifyMs: +verifyMs.toFixed(2), testSwapInMemoryMs: +swapMs.toFixed(1), swapFlashOperations: report.flashOperations }, null, 2)}\n`,
);

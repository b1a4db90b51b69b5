import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic-file.js';
import type { Clock } from '../../core/clock.js';
import { secureRandomBytes } from '../../core/secure-random.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import {
  certificateIdOf,
  generateP256,
  type CryptoKey,
  importPrivateKeyPem,
  P256,
  privateKeyPem,
  x509,
} from './x509.js';

const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  certificateId: string;
  certificatePem: string;
  /** Present when the CA generated the key pair (not for a CSR). */
  privateKeyPem?: string;
}

export interface IssueOptions {
  commonName: string;
  /** Extra subject attributes, e.g. `{ O: 'Nordic', C: 'NO' }`. */
  subject?: Record<string, string>;
  /** DNS names and IP addresses for a server certificate. */
  altNames?: string[];
  validityDays?: number;
  /** Sign this key instead of generating one. */
  publicKey?: CryptoKey;
  serverAuth?: boolean;
}

function escapeRdn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

/**
 * The stand-in's local certificate authority: it signs the TLS server certificate and the thing
 * certificates (what AWS's "create keys and certificate" does). Its certificate is the CA file that
 * clients pass as `--cafile` / `ca`.
 */
export class CertificateAuthority {
  private constructor(
    readonly certificatePem: string,
    private readonly key: CryptoKey,
    private readonly cert: x509.X509Certificate,
    private readonly clock: Clock,
  ) {}

  static async create(commonName: string, clock: Clock): Promise<CertificateAuthority> {
    const keys = await generateP256();
    const now = clock.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: secureRandomBytes(8)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      name: `CN=${escapeRdn(commonName)}`,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 20 * 365 * DAY_MS),
      signingAlgorithm: P256,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(cert.toString('pem') + '\n', keys.privateKey, cert, clock);
  }

  /**
   * Loads `ca.crt`/`ca.key` from `dir`, creating them on first use. A certificate without its key,
   * files that do not parse, or a key that does not belong to the certificate stop with
   * NRF91SIM_STATE_CORRUPT and change nothing. A key without a certificate is what a crash while
   * creating them leaves (the key is written first): they are made anew.
   */
  static async loadOrCreate(dir: string, commonName: string, clock: Clock): Promise<CertificateAuthority> {
    const certFile = path.join(dir, 'ca.crt');
    const keyFile = path.join(dir, 'ca.key');
    const read = (file: string): Promise<string | undefined> =>
      readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
    const [certText, keyText] = await Promise.all([read(certFile), read(keyFile)]);
    if (certText !== undefined) {
      const corrupt = (file: string, problem: string): SimError =>
        new SimError(ErrorCode.STATE_CORRUPT, `${file}: ${problem} (the local CA in ${dir} cannot be used)`);
      if (keyText === undefined) throw corrupt(keyFile, 'missing beside ca.crt');
      let cert: x509.X509Certificate;
      try {
        cert = new x509.X509Certificate(certText);
      } catch (err) {
        throw corrupt(certFile, `not a PEM certificate (${(err as Error).message})`);
      }
      let key: CryptoKey;
      try {
        key = await importPrivateKeyPem(keyText);
      } catch (err) {
        throw corrupt(keyFile, `not a PEM P-256 private key (${(err as Error).message})`);
      }
      const publicOfKey = createPublicKey(createPrivateKey(keyText)).export({ type: 'spki', format: 'der' });
      const publicOfCert = new X509Certificate(certText).publicKey.export({ type: 'spki', format: 'der' });
      if (!publicOfKey.equals(publicOfCert)) throw corrupt(keyFile, 'not the key of ca.crt');
      return new CertificateAuthority(certText, key, cert, clock);
    }
    const ca = await CertificateAuthority.create(commonName, clock);
    await ca.save(dir);
    return ca;
  }

  /**
   * A CA from its certificate and key (a broker cluster keeps them in Redis); STATE_CORRUPT naming
   * `where` when they do not parse or do not belong together.
   */
  static async fromPem(
    certText: string,
    keyText: string,
    clock: Clock,
    where = 'the CA',
  ): Promise<CertificateAuthority> {
    const corrupt = (problem: string): SimError =>
      new SimError(ErrorCode.STATE_CORRUPT, `${where}: ${problem}`);
    let cert: x509.X509Certificate;
    let key: CryptoKey;
    try {
      cert = new x509.X509Certificate(certText);
      key = await importPrivateKeyPem(keyText);
    } catch (err) {
      throw corrupt(`not a PEM certificate and P-256 key (${(err as Error).message})`);
    }
    const publicOfKey = createPublicKey(createPrivateKey(keyText)).export({ type: 'spki', format: 'der' });
    const publicOfCert = new X509Certificate(certText).publicKey.export({ type: 'spki', format: 'der' });
    if (!publicOfKey.equals(publicOfCert)) throw corrupt("the key is not the certificate's");
    return new CertificateAuthority(certText, key, cert, clock);
  }

  /** The CA's private key, PEM. */
  privateKeyPem(): Promise<string> {
    return privateKeyPem(this.key);
  }

  /** Writes `ca.key` (0600, first: see {@link loadOrCreate}) and `ca.crt` into `dir`. */
  async save(dir: string): Promise<void> {
    await writeFileAtomic(path.join(dir, 'ca.key'), await privateKeyPem(this.key), 0o600);
    await writeFileAtomic(path.join(dir, 'ca.crt'), this.certificatePem);
  }

  get certificateId(): string {
    return certificateIdOf(this.certificatePem);
  }

  /** True when `cert` carries a valid signature of this CA. */
  issued(cert: X509Certificate): boolean {
    const own = new X509Certificate(this.certificatePem);
    return cert.checkIssued(own) && cert.verify(own.publicKey);
  }

  async issue(options: IssueOptions): Promise<IssuedCertificate> {
    const keys = options.publicKey ? undefined : await generateP256();
    const publicKey = options.publicKey ?? keys!.publicKey;
    const now = this.clock.now();
    const subject = [
      `CN=${escapeRdn(options.commonName)}`,
      ...Object.entries(options.subject ?? {}).map(([k, v]) => `${k}=${escapeRdn(v)}`),
    ].join(', ');
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension(
        options.serverAuth ? [x509.ExtendedKeyUsage.serverAuth] : [x509.ExtendedKeyUsage.clientAuth],
      ),
      await x509.AuthorityKeyIdentifierExtension.create(this.cert, false),
    ];
    if (options.altNames?.length) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(
          options.altNames.map((name) => ({
            type: isIP(name) ? ('ip' as const) : ('dns' as const),
            value: name,
          })),
        ),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      // Serial numbers come from the system CSPRNG, not the seeded Random: X.509 wants them
      // unpredictable and unique across restarts, which a replayed seed would break.
      serialNumber: secureRandomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
      subject,
      issuer: this.cert.subject,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + (options.validityDays ?? 20 * 365) * DAY_MS),
      signingAlgorithm: P256,
      publicKey,
      signingKey: this.key,
      extensions,
    });
    const certificatePem = cert.toString('pem') + '\n';
    return {
      certificateId: certificateIdOf(certificatePem),
      certificatePem,
      ...(keys ? { privateKeyPem: await privateKeyPem(keys.privateKey) } : {}),
    };
  }

  /** Signs a PKCS#10 request (fleet provisioning's CreateCertificateFromCsr). */
  async signCsr(csrPem: string, validityDays?: number): Promise<IssuedCertificate> {
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(csrPem);
      if (!(await csr.verify())) throw new Error('the request signature does not verify');
    } catch (err) {
      throw new SimError(
        ErrorCode.CERTIFICATE_INVALID,
        `invalid certificate signing request: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const publicKey = await csr.publicKey.export();
    const cn = /(?:^|,\s*)CN=([^,]+)/.exec(csr.subject)?.[1] ?? 'AWS IoT Certificate';
    return this.issue({ commonName: cn, publicKey, ...(validityDays ? { validityDays } : {}) });
  }
}

/**
 * Every notification subscription set with an AT command, in one place. They are modem-wide, as on
 * the nRF91 (one AT interface): a subscription made on one connection is heard on every one.
 */
export class UrcSubscriptions {
  /** `+CEREG=<n>` 0-5. */
  cereg = 0;
  /** `+CSCON=<n>` 0-3. */
  cscon = 0;
  /** `+CGEREP=<mode>` 0-1. */
  cgerep = 0;
  /** `%CESQ=<n>` 0-1. */
  cesq = 0;
  /** `%XSNRSQ=<n>` 0-1. */
  xsnrsq = 0;
  /** `%XTIME=<n>` 0-1. */
  xtime = 0;
  /** `+CNEC=<n>` bit field: 8 = EMM (`+CNEC_EMM`), 16 = ESM (`+CNEC_ESM`). */
  cnec = 0;
  /** `%MDMEV=<n>` 0-2. */
  mdmev = 0;
  /** `%XMODEMSLEEP=<n>` 0-1. */
  xmodemsleep = 0;
  /** `%XTEMP=<n>` 0-1. */
  xtemp = 0;
  /** `%XSIM=<n>` 0-1. */
  xsim = 0;
  /** `%XVBATLVL=<n>` 0-1: `%XVBATLOWLVL` notifications. */
  xvbatlvl = 0;
  /** `%XT3412=<n>` 0-1. */
  xt3412 = 0;
}

// X.509 part of the identity domain: signing CAs, X.509-SVID issuance, and agent-side CSRs.
export { createIntermediateCa, createSelfSignedCa, importCaKey } from './ca.js';
export type { CaMaterial, IntermediateCaOptions, SelfSignedCaOptions } from './ca.js';
export { issueX509Svid } from './x509-svid.js';
export type { IssueX509SvidOptions, X509Svid, X509SvidCa } from './x509-svid.js';
export { createKeyAndCsr } from './csr.js';
export type { CreateKeyAndCsrOptions, KeyAndCsr } from './csr.js';

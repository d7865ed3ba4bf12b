// Writes the binary copies of the ASN range tables (see src/geo/asn-table-cache.ts) at build time, so the first
// start of a fresh install does not parse 32 MB of CSV.
const { AsnTable } = await import('../dist/geo/asn-table.js');
const table = new AsnTable();
await Promise.all([table.lookup('1.1.1.1'), table.lookup('2606:4700::1111')]);

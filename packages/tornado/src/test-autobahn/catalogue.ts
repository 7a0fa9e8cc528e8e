/**
 * The whole catalogue, in Autobahn's order: 1 framing, 2 pings and pongs, 3 reserved bits,
 * 4 reserved opcodes, 5 fragmentation, 6 UTF-8, 7 closing, 9 limits, 10 auto-fragmentation,
 * 11 (ours) masking by a server, 12 and 13 compression. Section 14 (ours, message-size.ts:
 * the peer's message size limit) is not in it: it needs a peer configured with a known limit.
 */
import type { CaseDefinition } from './case';
import { CLOSING } from './close';
import { compressionCases } from './compression';
import { FRAGMENTATION } from './fragmentation';
import { FRAMING } from './framing';
import { limitCases } from './limits';
import { MASKING } from './masking';
import { PINGS } from './pings';
import { RESERVED_BITS, RESERVED_OPCODES } from './reserved';
import { utf8Cases } from './utf8';

export interface CatalogueOptions {
  /** Messages per 9.7/9.8 case (Autobahn: 1000). */
  roundTrips?: number;
  /** Messages per 12.x/13.x case (Autobahn: 1000). */
  compressedMessages?: number;
  /** Sections to keep (`['1', '2']`); all by default. */
  sections?: readonly string[];
}

export function catalogue(options: CatalogueOptions = {}): CaseDefinition[] {
  const all = [
    ...FRAMING,
    ...PINGS,
    ...RESERVED_BITS,
    ...RESERVED_OPCODES,
    ...FRAGMENTATION,
    ...utf8Cases(),
    ...CLOSING,
    ...limitCases(options.roundTrips),
    ...MASKING,
    ...compressionCases(options.compressedMessages),
  ];
  const sections = options.sections;
  return sections === undefined ? all : all.filter((c) => sections.includes(sectionOf(c.id)));
}

/** `6.5.3x` → `6`. */
export function sectionOf(id: string): string {
  return id.split('.')[0]!;
}

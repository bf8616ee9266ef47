/**
 * The one place that turns reason codes into messages a clerk can act on, in Dutch and English.
 * A message names the field (by its label on the extract) and the value found, but never a
 * national register number in full (callers pass it masked, and any national-number-shaped run
 * of digits in a quoted value is masked here) and never the decision's text (see `NOT_QUOTED`).
 */
import { ExtractHeldError, ExtractRejectedError } from './errors.js';
import { maskNationalNumber } from './national-number.js';
import type { ExtractField, HoldCode, Message, RejectionCode } from './types.js';

/** The label of each field as printed on the extract (Dutch) and its English name. */
export const FIELD_LABELS: Record<ExtractField, Message> = {
  rulingNumber: { nl: 'Arrest nr.', en: 'ruling number (Arrest nr.)' },
  docket: { nl: 'Rolnummer', en: 'docket number (Rolnummer)' },
  rulingDate: { nl: 'Datum van het arrest', en: 'ruling date (Datum van het arrest)' },
  decision: { nl: 'Beslissing', en: 'decision (Beslissing)' },
  surname: { nl: 'Naam', en: 'surname (Naam)' },
  givenNames: { nl: 'Voornamen', en: 'given names (Voornamen)' },
  address: { nl: 'Adres', en: 'address (Adres)' },
  nationalNumber: { nl: 'Rijksregisternummer', en: 'national register number (Rijksregisternummer)' },
  lines: { nl: 'Aanpassing leerkrediet', en: 'credit lines (Aanpassing leerkrediet)' },
  academicYear: { nl: 'Academiejaar', en: 'academic year (Academiejaar)' },
  institution: { nl: 'Instelling', en: 'institution (Instelling)' },
  programme: { nl: 'Opleiding', en: 'programme (Opleiding)' },
  requested: { nl: 'Studiepunten teruggevraagd', en: 'credits requested (Studiepunten teruggevraagd)' },
  returned: { nl: 'Studiepunten teruggegeven', en: 'credits returned (Studiepunten teruggegeven)' },
  totalRequested: { nl: 'Totaal studiepunten teruggevraagd', en: 'total credits requested' },
  totalReturned: { nl: 'Totaal studiepunten teruggegeven', en: 'total credits returned' },
  file: { nl: 'bestand', en: 'file' },
};

export interface MessageDetails {
  /** The value found, already masked when it is a national number; quoted in the message. */
  readonly value?: string;
  /** The rule the value breaks, in both languages. */
  readonly rule?: Message;
  /** Which credit line (1-based), when the field belongs to one. */
  readonly line?: number;
  readonly size?: number;
  readonly pages?: number;
  /** PDF_DAMAGED because text is printed over other text on this page (not a broken file). */
  readonly overprintedPage?: number;
}

const REUPLOAD: Message = {
  nl: 'Verbeter het uittreksel en laad het opnieuw op.',
  en: 'Correct the extract and upload it again.',
};

function where(field: ExtractField, d: MessageDetails): Message {
  const label = FIELD_LABELS[field];
  const line = d.line
    ? { nl: ` (kredietlijn ${d.line})`, en: ` (credit line ${d.line})` }
    : { nl: '', en: '' };
  return { nl: `«${label.nl}»${line.nl}`, en: `${label.en}${line.en}` };
}

/**
 * Fields whose value is never quoted: free text that wraps, so when a line after it is not
 * recognised as a label (a damaged `Naam:`, a garbled line drawn below it) the value found holds
 * that line too — a name. The reliability fuzz found both: "…wordt ingewilligdm: Van den Broeck"
 * quoted in a NOT_GRANTED message, and "Universiteit Gent … Maria" in an UNKNOWN_INSTITUTION one.
 * The message still names the field and the credit line; the clerk has the PDF.
 */
const NOT_QUOTED: ReadonlySet<ExtractField> = new Set<ExtractField>(['decision', 'institution']);

/** Eleven digits with the separators a national number may carry, anywhere in a quoted value. */
const NATIONAL_NUMBER_LIKE = /(?<!\d)\d(?:[.\-\s\u2010-\u2015]*\d){10}(?!\d)/g;

/** From an identification label (name, given names, address, national number) to the end. */
const IDENTIFICATION_LABEL_ONWARDS =
  /\s+(?:naam|voorna(?:men|am)|adres|rijksregisternummer|rijksregisternr\.?|insz)(?=[\s:]|$)[\s\S]*$/iu;

function quoted(field: ExtractField, d: MessageDetails): Message {
  if (d.value === undefined || NOT_QUOTED.has(field)) return { nl: '', en: '' };
  // A national number typed into another field is masked like one in its own field, and a value
  // that ran into an identification label (a second column on the same line) is cut before it.
  const safe = d.value
    .replace(IDENTIFICATION_LABEL_ONWARDS, ' …')
    .replace(NATIONAL_NUMBER_LIKE, (m) => maskNationalNumber(m));
  const v = safe.length > 80 ? `${safe.slice(0, 77)}…` : safe;
  return { nl: ` Gevonden: «${v}».`, en: ` Found: "${v}".` };
}

/** Builds the bilingual message for a rejection code. */
export function rejectionMessage(code: RejectionCode, field: ExtractField, d: MessageDetails = {}): Message {
  const w = where(field, d);
  const q = quoted(field, d);
  const rule = d.rule ? { nl: ` Regel: ${d.rule.nl}.`, en: ` Rule: ${d.rule.en}.` } : { nl: '', en: '' };
  switch (code) {
    case 'NOT_A_PDF':
      return {
        nl: 'Het bestand is geen PDF. Laad het uittreksel op als PDF-bestand.',
        en: 'The file is not a PDF. Upload the extract as a PDF file.',
      };
    case 'PDF_ENCRYPTED':
      return {
        nl: 'De PDF is beveiligd met een wachtwoord. Sla het uittreksel op zonder beveiliging en laad het opnieuw op.',
        en: 'The PDF is password-protected. Save the extract without protection and upload it again.',
      };
    case 'PDF_DAMAGED':
      if (d.overprintedPage !== undefined)
        return {
          nl: `Op pagina ${d.overprintedPage} staat tekst over andere tekst gedrukt (bijvoorbeeld een woord dat breder is dan zijn tabelkolom), zodat die niet eenduidig te lezen is. Maak de kolom breder of de tekst korter, maak de PDF opnieuw aan en laad hem opnieuw op.`,
          en: `On page ${d.overprintedPage} text is printed over other text (for example a word wider than its table column), so it cannot be read unambiguously. Widen the column or shorten the text, create the PDF again and upload it again.`,
        };
      return {
        nl: 'De PDF is beschadigd en kan niet (volledig) gelezen worden. Maak het uittreksel opnieuw aan en laad het opnieuw op.',
        en: 'The PDF is damaged and cannot be read (completely). Create the extract again and upload it again.',
      };
    case 'NO_TEXT_LAYER':
      return {
        nl: 'De PDF bevat geen tekst (een scan?). Maak het uittreksel aan vanuit het sjabloon, niet met een scanner.',
        en: 'The PDF holds no text (a scan?). Create the extract from the template, not with a scanner.',
      };
    case 'HIDDEN_TEXT':
      return field === 'file'
        ? {
            nl: `De PDF bevat tekst die niet zichtbaar is op de pagina (onzichtbaar, wit op wit, buiten de pagina, afgedekt, onleesbaar klein of met een tekencodering die afwijkt van wat er gedrukt staat) en die het uittreksel verandert. Alleen wat op de pagina te zien is, telt. Maak het uittreksel opnieuw aan vanuit het sjabloon. ${REUPLOAD.nl}`,
            en: `The PDF holds text that is not visible on the page (invisible, white on white, off the page, covered, unreadably small, or with a character mapping that differs from what is printed) and that changes the extract. Only what the page shows counts. Create the extract again from the template. ${REUPLOAD.en}`,
          }
        : {
            nl: `Het veld ${w.nl} zou gelezen worden uit tekst die niet zichtbaar is op de pagina (onzichtbaar, wit op wit, buiten de pagina, afgedekt, onleesbaar klein of met een tekencodering die afwijkt van wat er gedrukt staat). Alleen wat op de pagina te zien is, telt. Maak het uittreksel opnieuw aan vanuit het sjabloon. ${REUPLOAD.nl}`,
            en: `The field ${w.en} would be read from text that is not visible on the page (invisible, white on white, off the page, covered, unreadably small, or with a character mapping that differs from what is printed). Only what the page shows counts. Create the extract again from the template. ${REUPLOAD.en}`,
          };
    case 'PDF_TOO_COMPLEX':
      return {
        nl: 'De PDF is te complex om veilig te lezen (te veel objecten, tekenopdrachten of gedecomprimeerde gegevens). Een uittreksel uit het sjabloon blijft ver onder deze grenzen: maak het opnieuw aan en laad het opnieuw op.',
        en: 'The PDF is too complex to read safely (too many objects, drawing operations or decompressed data). An extract made from the template stays far below these limits: create it again and upload it again.',
      };
    case 'TOO_LARGE':
      return d.pages !== undefined
        ? {
            nl: `Het uittreksel telt ${d.pages} pagina's; het maximum is 5. ${REUPLOAD.nl}`,
            en: `The extract has ${d.pages} pages; the maximum is 5. ${REUPLOAD.en}`,
          }
        : {
            nl: `Het bestand is groter dan 10 MiB${d.size ? ` (${(d.size / 1048576).toFixed(1)} MiB)` : ''}. ${REUPLOAD.nl}`,
            en: `The file is larger than 10 MiB${d.size ? ` (${(d.size / 1048576).toFixed(1)} MiB)` : ''}. ${REUPLOAD.en}`,
          };
    case 'MISSING_FIELD':
      return {
        nl: `Het veld ${w.nl} ontbreekt of is leeg.${rule.nl} ${REUPLOAD.nl}`,
        en: `The field ${w.en} is missing or empty.${rule.en} ${REUPLOAD.en}`,
      };
    case 'INVALID_FIELD':
      return {
        nl: `Het veld ${w.nl} is ongeldig.${q.nl}${rule.nl} ${REUPLOAD.nl}`,
        en: `The field ${w.en} is invalid.${q.en}${rule.en} ${REUPLOAD.en}`,
      };
    case 'INVALID_RRN':
      return {
        nl: `Het rijksregisternummer is ongeldig.${q.nl}${rule.nl} Controleer het nummer in het dossier. ${REUPLOAD.nl}`,
        en: `The national register number is invalid.${q.en}${rule.en} Check the number in the case file. ${REUPLOAD.en}`,
      };
    case 'TOTALS_MISMATCH':
      return {
        nl: `Het totaal ${w.nl} is niet gelijk aan de som van de kredietlijnen.${q.nl} ${REUPLOAD.nl}`,
        en: `The ${w.en} does not equal the sum of the credit lines.${q.en} ${REUPLOAD.en}`,
      };
    case 'NOT_GRANTED':
      return {
        nl: `De beslissing willigt het beroep niet in; er wordt geen leerkrediet aangepast.${q.nl} Alleen uittreksels van ingewilligde beroepen worden verwerkt.`,
        en: `The decision does not grant the appeal; no learning credit is changed.${q.en} Only extracts of granted appeals are processed.`,
      };
    case 'UNKNOWN_INSTITUTION':
      return {
        nl: `De instelling${d.line ? ` in kredietlijn ${d.line}` : ''} staat niet in het instellingenregister.${q.nl} Gebruik de officiële naam van de instelling. ${REUPLOAD.nl}`,
        en: `The institution${d.line ? ` in credit line ${d.line}` : ''} is not in the institution register.${q.en} Use the institution's official name. ${REUPLOAD.en}`,
      };
    case 'SIGNATURE_MISSING':
      return {
        nl: 'Het uittreksel draagt geen elektronische zegel van DBRC, en die is vereist. Laat het uittreksel verzegelen in het zaaksysteem en laad het opnieuw op.',
        en: 'The extract carries no DBRC electronic seal, and one is required. Have the extract sealed in the case system and upload it again.',
      };
    case 'SIGNATURE_INVALID':
      return {
        nl: `De elektronische zegel op het uittreksel is ongeldig${d.rule ? `: ${d.rule.nl}` : ''}. Er werd niets aangepast. Laad het verzegelde uittreksel uit het zaaksysteem opnieuw op, zonder het te bewerken.`,
        en: `The electronic seal on the extract is not valid${d.rule ? `: ${d.rule.en}` : ''}. Nothing was changed. Upload the sealed extract from the case system again, without editing it.`,
      };
    case 'UNKNOWN_UPLOAD':
      return {
        nl: 'Dit bestand werd niet via de toepassing opgeladen: er hoort geen oplading bij. Het wordt niet verwerkt en blijft bewaard voor controle door AHOVOKS. Laad het uittreksel op via de toepassing.',
        en: 'This file was not uploaded through the application: no upload belongs to it. It is not processed and is kept for review by AHOVOKS. Upload the extract through the application.',
      };
  }
}

export function rejection(
  code: RejectionCode,
  field: ExtractField,
  d: MessageDetails = {},
): ExtractRejectedError {
  return new ExtractRejectedError(code, rejectionMessage(code, field, d), field);
}

export function holdMessage(code: HoldCode, d: { rulingNumber?: string } = {}): Message {
  switch (code) {
    case 'IDENTITY_MISMATCH':
      return {
        nl: 'De naam op het uittreksel komt niet overeen met de naam die bij dit rijksregisternummer geregistreerd is. Het uittreksel wacht op controle door AHOVOKS; DBRC wordt gevraagd de identificatie na te gaan (binnen 48 uur).',
        en: 'The name on the extract does not match the name registered for this national register number. The extract awaits review by AHOVOKS; DBRC is asked to check the identification (within 48 hours).',
      };
    case 'CONFLICTING_DUPLICATE':
      return {
        nl: `Arrest nr. ${d.rulingNumber ?? ''} werd al verwerkt met een andere inhoud. Het uittreksel wacht op controle door AHOVOKS; er werd niets aangepast.`,
        en: `Ruling ${d.rulingNumber ?? ''} was already applied with different content. The extract awaits review by AHOVOKS; nothing was changed.`,
      };
    case 'SCANNED_EXTRACT':
      return {
        nl: 'Het uittreksel is een scan: de waarden zijn gelezen uit de herkende tekst (OCR), niet uit de tekst van het sjabloon. Het wacht op controle door AHOVOKS, die de gelezen waarden vergelijkt met het beeld van de pagina; er werd niets aangepast. Laad bij voorkeur het uittreksel op zoals het uit het sjabloon komt.',
        en: "The extract is a scan: its values were read from recognised text (OCR), not from the template's text. It awaits review by AHOVOKS, who compares the values read with the page image; nothing was changed. Preferably upload the extract as the template produces it.",
      };
  }
}

export function hold(code: HoldCode, d: { rulingNumber?: string; subject?: string } = {}): ExtractHeldError {
  return new ExtractHeldError(code, holdMessage(code, d), d.subject);
}

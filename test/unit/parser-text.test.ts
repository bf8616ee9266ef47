import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExtractRejectedError } from '../../shared/domain/errors.js';
import { defaultRegister, InstitutionRegister } from '../../shared/domain/institutions.js';
import { parseText } from '../../shared/domain/parser.js';
import { exampleSpec, expectedExtract } from '../fixtures/extract-pdf.js';

const NOW = new Date('2026-11-22T10:00:00Z');

const EXAMPLE = `Raad voor betwistingen inzake studievoortgangsbeslissingen
UITTREKSEL UIT HET ARREST
mededeling aan AHOVOKS (artikel 112/24 procedurebesluit)

Arrest nr.: 9.412
Rolnummer: 2024/0815
Datum van het arrest: 12 maart 2024
Beslissing: het beroep tot aanpassing van het leerkrediet wordt ingewilligd

Verzoekende partij
Naam: Van den Broeck
Voornamen: Anna Maria
Adres: Kerkstraat 12 bus 3, 9000 Gent
Rijksregisternummer: 85.07.30-033.28

Aanpassing leerkrediet
Academiejaar: 2022-2023
Instelling: Universiteit Gent
Opleiding: Bachelor of Science in de informatica
Studiepunten teruggevraagd: 27
Studiepunten teruggegeven: 27

Academiejaar: 2023-2024
Instelling: Universiteit Gent
Opleiding: Bachelor of Science in de informatica
Studiepunten teruggevraagd: 15
Studiepunten teruggegeven: 12

Totaal studiepunten teruggevraagd: 42
Totaal studiepunten teruggegeven: 39

Voor eensluidend uittreksel, de griffier`;

// The reading the fixtures' own test pins down literally (test/fixtures/extract-pdf.test.ts).
const EXPECTED = expectedExtract(exampleSpec());

const parse = (text: string | string[]) => parseText(Array.isArray(text) ? text : [text], { now: NOW });

function rejects(text: string, code: string, field?: string): ExtractRejectedError {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof ExtractRejectedError, String(e));
    assert.equal(e.code, code, e.message);
    if (field) assert.equal(e.field, field, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('extract parser (text)', () => {
  it('reads the example of the extract format', () => {
    assert.deepEqual(parse(EXAMPLE), EXPECTED);
  });

  it('accepts free label case, missing colons and values on the next line', () => {
    const text = EXAMPLE.replace('Arrest nr.: 9.412', 'ARREST NR.\n\n9.412')
      .replace('Rolnummer: ', 'rolnummer ')
      .replace('Naam: Van den Broeck', 'NAAM:\nVan den Broeck')
      .replace('Datum van het arrest: 12 maart 2024', 'datum van het arrest 12/03/2024');
    assert.deepEqual(parse(text), EXPECTED);
  });

  it('accepts compatibility forms: ligatures, non-breaking spaces, soft hyphens, full-width digits, CRLF', () => {
    const text = EXAMPLE.replace(
      'de informatica\nStudiepunten teruggevraagd: 27',
      'de \ufb01lo\u00adso\ufb01e\nStudiepunten teruggevraagd: \uff12\uff17',
    )
      .replace('Rolnummer: 2024/0815', 'Rolnummer:\u00a0\t2024/0815')
      .replace(/\n/g, '\r\n');
    const r = parse(text);
    assert.equal(r.lines[0]!.programme, 'Bachelor of Science in de filosofie');
    assert.equal(r.lines[0]!.requested, 27);
    assert.equal(r.docket, '2024/0815');
  });

  it('joins a programme that wraps onto the next line', () => {
    const text = EXAMPLE.replace(
      'Opleiding: Bachelor of Science in de informatica\nStudiepunten teruggevraagd: 15',
      'Opleiding: Bachelor of Science\nin de informatica\nStudiepunten teruggevraagd: 15',
    );
    assert.deepEqual(parse(text), EXPECTED);
  });

  it('drops page headers and footers and reads a credit line split across pages', () => {
    const [first, second] = EXAMPLE.split(
      'Opleiding: Bachelor of Science in de informatica\nStudiepunten teruggevraagd: 15',
    );
    const header = 'Arrest nr. 9.412 - uittreksel';
    const footer = (n: number) => `Koning Albert II-laan 35, 1030 Brussel\nPagina ${n} van 2`;
    const pages = [
      `${header}\n${first}Opleiding: Bachelor of Science in de informatica\n${footer(1)}`,
      `${header}\nStudiepunten teruggevraagd: 15${second}\n${footer(2)}`,
    ];
    assert.deepEqual(parse(pages), EXPECTED);
  });

  it('accepts the identification fields in any order and the alternative labels', () => {
    const text = EXAMPLE.replace(
      'Naam: Van den Broeck\nVoornamen: Anna Maria\nAdres: Kerkstraat 12 bus 3, 9000 Gent\nRijksregisternummer: 85.07.30-033.28',
      'INSZ: 85073003328\nAdres: Kerkstraat 12 bus 3, 9000 Gent\nVoornaam: Anna Maria\nNaam: Van den Broeck',
    );
    assert.deepEqual(parse(text), EXPECTED);
  });

  it('reads the table form when each row stands on one line', () => {
    const table = `Academiejaar\tInstelling\tOpleiding\tTeruggevraagd\tTeruggegeven
2022-2023\tUniversiteit Gent\tBachelor of Science in de informatica\t27\t27
2023–2024 UGent Bachelor of Science in de informatica 15 12`;
    const text = EXAMPLE.replace(/Academiejaar: 2022-2023[\s\S]*Studiepunten teruggegeven: 12/, table);
    assert.deepEqual(parse(text), EXPECTED);
  });

  it('reads a table row with the register it is given, not the default one', () => {
    // An environment whose register names an institution the shipped register does not know.
    const register = new InstitutionRegister([
      ...defaultRegister.institutions,
      { code: 'HOGENT2', name: 'Hogeschool Nieuwstad', aliases: [] },
    ]);
    const table = `Academiejaar\tInstelling\tOpleiding\tTeruggevraagd\tTeruggegeven
2022-2023 Hogeschool Nieuwstad Bachelor in de verpleegkunde 27 27`;
    const text = EXAMPLE.replace(
      /Academiejaar: 2022-2023[\s\S]*Studiepunten teruggegeven: 12/,
      table,
    ).replace(/Totaal[^\n]*\n/g, '');
    const extract = parseText([text], { now: NOW, register });
    assert.deepEqual(extract.lines, [
      {
        academicYear: '2022-2023',
        institution: 'HOGENT2',
        programme: 'Bachelor in de verpleegkunde',
        requested: 27,
        returned: 27,
      },
    ]);
  });

  it('rejects a missing field, naming it', () => {
    rejects(EXAMPLE.replace('Rolnummer: 2024/0815\n', ''), 'MISSING_FIELD', 'docket');
    rejects(EXAMPLE.replace('Voornamen: Anna Maria\n', ''), 'MISSING_FIELD', 'givenNames');
    rejects(EXAMPLE.replace('Studiepunten teruggegeven: 12\n', ''), 'MISSING_FIELD', 'returned');
  });

  it('rejects a field that appears twice with different values instead of choosing one', () => {
    rejects(
      EXAMPLE.replace('Rolnummer: 2024/0815', 'Rolnummer: 2024/0815\nRolnummer: 2024/0816'),
      'INVALID_FIELD',
      'docket',
    );
    rejects(
      EXAMPLE.replace(
        'Studiepunten teruggevraagd: 15',
        'Studiepunten teruggevraagd: 15\nStudiepunten teruggevraagd: 16',
      ),
      'INVALID_FIELD',
      'requested',
    );
  });

  it('rejects values that break their rules', () => {
    rejects(EXAMPLE.replace('9.412', '9,412'), 'INVALID_FIELD', 'rulingNumber');
    rejects(EXAMPLE.replace('2024/0815', '24/0815'), 'INVALID_FIELD', 'docket');
    rejects(EXAMPLE.replace('12 maart 2024', '31 februari 2024'), 'INVALID_FIELD', 'rulingDate');
    rejects(EXAMPLE.replace('12 maart 2024', '12 maart 2027'), 'INVALID_FIELD', 'rulingDate');
    rejects(EXAMPLE.replace('12 maart 2024', '1 augustus 2008'), 'INVALID_FIELD', 'rulingDate');
    rejects(EXAMPLE.replace('2022-2023', '2022-2024'), 'INVALID_FIELD', 'academicYear');
    rejects(
      EXAMPLE.replace('teruggevraagd: 27', 'teruggevraagd: 181').replace(
        'teruggevraagd: 42',
        'teruggevraagd: 196',
      ),
      'INVALID_FIELD',
      'requested',
    );
    rejects(
      EXAMPLE.replace('teruggegeven: 12', 'teruggegeven: 16').replace('teruggegeven: 39', 'teruggegeven: 43'),
      'INVALID_FIELD',
      'returned',
    );
    rejects(EXAMPLE.replace('Van den Broeck', 'Van den Br0eck'), 'INVALID_FIELD', 'surname');
  });

  it('rejects a bad national number with INVALID_RRN and shows it masked only', () => {
    const e = rejects(EXAMPLE.replace('85.07.30-033.28', '85.07.30-033.29'), 'INVALID_RRN', 'nationalNumber');
    assert.match(e.messages.nl, /85\.07\.30-xxx\.29/);
    assert.doesNotMatch(`${e.messages.nl} ${e.messages.en} ${e.message}`, /033/);
  });

  it('rejects totals that do not add up', () => {
    rejects(EXAMPLE.replace('teruggegeven: 39', 'teruggegeven: 40'), 'TOTALS_MISMATCH', 'totalReturned');
  });

  it('rejects a decision that does not grant the appeal', () => {
    for (const d of [
      'het beroep wordt verworpen',
      'het beroep is onontvankelijk',
      'het beroep is zonder voorwerp',
      'het beroep wordt niet ingewilligd',
    ]) {
      rejects(
        EXAMPLE.replace('het beroep tot aanpassing van het leerkrediet wordt ingewilligd', d),
        'NOT_GRANTED',
        'decision',
      );
    }
    assert.equal(
      parse(
        EXAMPLE.replace('wordt ingewilligd', 'wordt gedeeltelijk ingewilligd en voor het overige verworpen'),
      ).rulingNumber,
      '9412',
    );
  });

  it('rejects an institution that is not in the register', () => {
    rejects(
      EXAMPLE.replace('Instelling: Universiteit Gent', 'Instelling: Hogeschool Nergensland'),
      'UNKNOWN_INSTITUTION',
      'institution',
    );
  });

  it('matches institutions case-, accent- and whitespace-insensitively', () => {
    const r = parse(EXAMPLE.replace('Instelling: Universiteit Gent', 'Instelling: UNIVERSITÉIT  gent'));
    assert.equal(r.lines[0]!.institution, 'UGENT');
  });

  it('keeps the original letters of names', () => {
    const r = parse(
      EXAMPLE.replace('Van den Broeck', 'Đặng-Øster Strauß').replace('Anna Maria', "Ngọc Anne-Marie d'Ávila"),
    );
    assert.equal(r.surname, 'Đặng-Øster Strauß');
    assert.equal(r.givenNames, "Ngọc Anne-Marie d'Ávila");
  });
});

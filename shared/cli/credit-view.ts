/** A learning-credit view as text (balance and institution `credit`). */
import { print } from './output.js';

export function printCredit(
  view: {
    nationalNumber: string;
    balance: number;
    corrections: readonly {
      returned: number;
      rulingNumber: string;
      rulingDate: string;
      academicYear: string;
      institution: string;
      programme: string;
    }[];
  },
  starting = false,
) {
  print(
    `${view.nationalNumber}: learning credit ${view.balance}${starting ? ' (no rulings or imports for this number: the starting credit)' : ''}`,
  );
  for (const c of view.corrections)
    print(
      `  + ${String(c.returned).padStart(3)}  ruling ${c.rulingNumber} of ${c.rulingDate}, ${c.academicYear} ${c.institution} — ${c.programme}`,
    );
}

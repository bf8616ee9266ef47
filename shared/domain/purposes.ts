/** Purposes an institution may consult learning credit for (purpose limitation, protocol). */
export const PURPOSES = ['enrolment', 'study-progress-decision', 'appeal', 'student-guidance'] as const;
export type Purpose = (typeof PURPOSES)[number];

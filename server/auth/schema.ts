import { z } from 'zod';
import { DELETE_CONFIRMATION } from './account.ts';

const mismatch = `Type "${DELETE_CONFIRMATION}" to confirm.`;

/** Deleting the account: the confirmation typed as asked, whatever its case. */
export const DeleteAccount = z.object({
  confirm: z
    .string({ message: mismatch })
    .trim()
    .toLowerCase()
    .refine((typed) => typed === DELETE_CONFIRMATION, { message: mismatch }),
});

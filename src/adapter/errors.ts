// Errors a user's request can cause (bad expression, bad reference, no program): the
// session turns them into error responses carrying the message.
export class UserError extends Error {}

/**
 * A value from outside (a query parameter, a field) that code below the HTTP layer refuses. It names the field;
 * the HTTP layer renders it as a 400 with the error envelope (src/api/create-app.ts), so pure and report code
 * never depend on HTTP errors.
 */
export class InvalidInput extends Error {
  constructor(
    /** The field or parameter at fault. */
    readonly field: string,
    /** What is wrong with it (without the field's name). */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'InvalidInput';
  }
}

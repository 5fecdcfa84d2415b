/**
 * Errors the core throws. Each carries structured fields so that adapters can turn it into an
 * HTTP problem, a page or a tagged RPC result without parsing messages.
 * @module
 */

/** A required setting is missing or malformed. The message names the setting, never its value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly setting: string;

  constructor(setting: string, message: string) {
    super(message);
    this.setting = setting;
  }
}

/** A stored secret could not be decrypted: unknown key id, wrong record, or tampered bytes. */
export class DecryptionError extends Error {
  override readonly name = "DecryptionError";
}

/**
 * A setting the deployment is configured with is missing or malformed.
 * @module
 */

/** A required setting is missing or malformed. The message names the setting, never its value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.setting = setting;
  }
}

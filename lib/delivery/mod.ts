/** What lib/delivery/ offers. */
export {
  attachmentsFromFiles,
  checkAttachmentSize,
  DEFAULT_MAX_ATTACHMENT_MB,
  type EmailAttachment,
  emailExport,
  type EmailMessage,
  type ExportEmailInput,
  exportEmailText,
  sendExportEmail,
  SmtpError,
  type SmtpSecurity,
  type SmtpSettings,
  smtpSettingsFromEnv,
} from "./email.ts";
export {
  type KeptNewestSet,
  kitFile,
  kitFileDate,
  type KitFileKind,
  pruneExports,
  type PruneOptions,
  RETENTION_VARIABLE,
  retentionDays,
  RetentionError,
  type RetentionFailure,
  type RetentionResult,
} from "./retention.ts";
export { retentionSummary } from "./retention_summary.ts";

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
  kitFileDate,
  pruneExports,
  RETENTION_VARIABLE,
  retentionDays,
  RetentionError,
  type RetentionFailure,
} from "./retention.ts";

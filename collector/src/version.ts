/** Name and version the collector reports about itself (`sdk_name`, `sdk_version`). */
export const SDK_NAME = 'peer-report-collector';
export const SDK_VERSION = '0.1.0';

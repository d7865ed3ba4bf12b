/** What the report shows about the client, derived from {@link ClientInfo} at ingest. */
export interface PeerClientMetadata {
  browser_metadata: {
    browser?: string;
    browser_version?: string;
    engine?: string;
    user_agent?: string;
    webgl_support?: boolean | null;
  };
  device_info: {
    cpus?: number;
    is_mobile?: boolean;
    os?: string;
    os_version?: string;
    memory_gb?: number;
    model?: string;
    architecture?: string;
  };
  sdk_name?: string;
  sdk_version?: string;
  sdk_type?: string;
  room_view_type?: string;
  native_metadata?: { audio_encoder?: string; video_encoder?: string };
}

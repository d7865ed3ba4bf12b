/**
 * Static compression tables of the rtcstats v3 file format
 * (github.com/rtcstats/rtcstats, packages/rtcstats-shared/compression.js,
 * MIT): numeric method ids, numeric stats types and numeric stats property
 * names. The numbers are part of the file format ("must not be reassigned").
 */

/** Method id -> method name. `g` and 1 are getStats. */
export const V3_METHODS: Record<string, string> = {
  g: 'getStats', 1: 'getStats',
  2: 'createOffer', 3: 'createOfferOnSuccess', 12: 'createOfferOnFailure',
  4: 'createAnswer', 5: 'createAnswerOnSuccess', 13: 'createAnswerOnFailure',
  6: 'setLocalDescription', 7: 'setLocalDescriptionOnSuccess', 14: 'setLocalDescriptionOnFailure',
  8: 'setRemoteDescription', 9: 'setRemoteDescriptionOnSuccess', 15: 'setRemoteDescriptionOnFailure',
  10: 'addIceCandidate', 11: 'addIceCandidateOnSuccess', 16: 'addIceCandidateOnFailure',
  20: 'onicecandidate', 21: 'onicecandidateerror', 22: 'ontrack', 23: 'onsignalingstatechange',
  24: 'oniceconnectionstatechange', 25: 'onconnectionstatechange', 26: 'onicegatheringstatechange',
  27: 'onnegotiationneeded', 28: 'ondatachannel',
  30: 'addTrack', 31: 'addTrackOnSuccess', 32: 'addTransceiver', 33: 'addTransceiverOnSuccess', 34: 'removeTrack',
  35: 'createDataChannel', 36: 'close', 37: 'restartIce', 38: 'setConfiguration',
  39: 'create', 40: 'constraints', 41: 'setCodecPreferences', 42: 'setHeaderExtensionsToNegotiate',
  50: 'setParameters', 51: 'replaceTrack',
  60: 'navigator.mediaDevices.getUserMedia', 61: 'navigator.mediaDevices.getUserMediaOnSuccess',
  65: 'navigator.mediaDevices.getUserMediaOnFailure',
  63: 'navigator.mediaDevices.getDisplayMedia', 64: 'navigator.mediaDevices.getDisplayMediaOnSuccess',
  68: 'navigator.mediaDevices.getDisplayMediaOnFailure',
  66: 'navigator.mediaDevices.enumerateDevices', 67: 'navigator.mediaDevices.ondevicechange',
  70: 'MediaStreamTrack.stop', 71: 'MediaStreamTrack.applyConstraints', 72: 'MediaStreamTrack.onended',
  73: 'MediaStreamTrack.onmute', 74: 'MediaStreamTrack.onunmute',
  80: 'HTMLMediaElement.resize',
};

/** Stats type id -> W3C type. */
export const V3_STATS_TYPES: Record<string, string> = {
  1: 'inbound-rtp', 2: 'outbound-rtp', 3: 'remote-inbound-rtp', 4: 'remote-outbound-rtp', 5: 'transport',
  6: 'candidate-pair', 7: 'local-candidate', 8: 'remote-candidate', 9: 'data-channel', 10: 'peer-connection',
  11: 'certificate', 12: 'media-source', 13: 'media-playout', 14: 'codec',
};

/** Stats property id -> W3C property name (`t` is the collapsed report timestamp). */
export const V3_STATS_PROPERTIES: Record<string, string> = Object.fromEntries(
  Object.entries({
    timestamp: 't', payloadType: 4, transportId: 5, mimeType: 6, clockRate: 7, channels: 8, sdpFmtpLine: 9,
    ssrc: 10, kind: 11, codecId: 12, packetsReceived: 14, packetsLost: 15, jitter: 16, trackIdentifier: 17,
    mid: 18, remoteId: 19, framesDecoded: 20, keyFramesDecoded: 21, framesDropped: 22, frameWidth: 23,
    frameHeight: 24, framesPerSecond: 25, qpSum: 26, totalDecodeTime: 27, totalInterFrameDelay: 28,
    totalSquaredInterFrameDelay: 29, pauseCount: 30, totalPausesDuration: 31, freezeCount: 32,
    totalFreezesDuration: 33, lastPacketReceivedTimestamp: 34, headerBytesReceived: 35, packetsDiscarded: 36,
    fecPacketsReceived: 37, fecPacketsDiscarded: 38, fecBytesReceived: 39, fecSsrc: 40, bytesReceived: 41,
    nackCount: 42, firCount: 43, pliCount: 44, totalProcessingDelay: 45, estimatedPlayoutTimestamp: 46,
    jitterBufferDelay: 47, jitterBufferTargetDelay: 48, jitterBufferEmittedCount: 49, jitterBufferMinimumDelay: 50,
    totalSamplesReceived: 51, concealedSamples: 52, silentConcealedSamples: 53, concealmentEvents: 54,
    insertedSamplesForDeceleration: 55, removedSamplesForAcceleration: 56, audioLevel: 57, totalAudioEnergy: 58,
    totalSamplesDuration: 59, framesReceived: 60, decoderImplementation: 61, playoutId: 62,
    powerEfficientDecoder: 63, framesAssembledFromMultiplePackets: 64, totalAssemblyTime: 65, contentType: 66,
    googTimingFrameInfo: 67, retransmittedPacketsReceived: 68, retransmittedBytesReceived: 69, rtxSsrc: 70,
    totalCorruptionProbability: 71, totalSquaredCorruptionProbability: 72, corruptionMeasurements: 73,
    localId: 74, roundTripTime: 75, totalRoundTripTime: 76, fractionLost: 77, roundTripTimeMeasurements: 78,
    packetsSent: 79, bytesSent: 80, mediaSourceId: 81, rid: 82, encodingIndex: 83, headerBytesSent: 84,
    retransmittedPacketsSent: 85, retransmittedBytesSent: 86, targetBitrate: 87, totalEncodedBytesTarget: 88,
    framesSent: 89, hugeFramesSent: 90, framesEncoded: 91, keyFramesEncoded: 92, totalEncodeTime: 93,
    totalPacketSendDelay: 94, qualityLimitationReason: 95, qualityLimitationDurations: 96,
    qualityLimitationResolutionChanges: 97, encoderImplementation: 98, powerEfficientEncoder: 99, active: 100,
    scalabilityMode: 101, remoteTimestamp: 102, reportsSent: 103, echoReturnLoss: 104,
    echoReturnLossEnhancement: 105, width: 106, height: 107, frames: 108, synthesizedSamplesDuration: 109,
    synthesizedSamplesEvents: 110, totalPlayoutDelay: 111, totalSamplesCount: 112, dataChannelsOpened: 113,
    dataChannelsClosed: 114, label: 115, protocol: 116, dataChannelIdentifier: 117, state: 118,
    messagesSent: 119, messagesReceived: 120, iceRole: 121, iceLocalUsernameFragment: 122, dtlsState: 123,
    iceState: 124, selectedCandidatePairId: 125, localCertificateId: 126, remoteCertificateId: 127,
    tlsVersion: 128, dtlsCipher: 129, dtlsRole: 130, srtpCipher: 131, selectedCandidatePairChanges: 132,
    rtcpTransportStatsId: 133, address: 134, port: 135, candidateType: 136, priority: 137, url: 138,
    relayProtocol: 139, foundation: 140, relatedAddress: 141, relatedPort: 142, usernameFragment: 143,
    tcpType: 144, networkType: 145, localCandidateId: 148, remoteCandidateId: 149, nominated: 150,
    lastPacketSentTimestamp: 151, currentRoundTripTime: 152, availableOutgoingBitrate: 153,
    availableIncomingBitrate: 154, requestsReceived: 155, requestsSent: 156, responsesReceived: 157,
    responsesSent: 158, consentRequestsSent: 159, packetsDiscardedOnSend: 160, bytesDiscardedOnSend: 161,
    fingerprint: 163, fingerprintAlgorithm: 164, base64Certificate: 165, issuerCertificateId: 166,
    psnrMeasurements: 167, psnrSum: 168, packetsReceivedWithEct1: 169, packetsReceivedWithCe: 170,
    packetsReportedAsLost: 171, packetsReportedAsLostButRecovered: 172, packetsWithBleachedEct1Marking: 173,
    packetsSentWithEct1: 174, ccfbMessagesSent: 175, ccfbMessagesReceived: 176,
  }).map(([name, id]) => [String(id), name]),
);

"""Recorded verification calls: decoded, cut to the applicant's speech, and turned into a voiceprint.

``audio`` decodes a call file, ``vad`` finds where someone speaks, ``calls`` drops the centre's
own agents' turns and embeds what is left with the ``VoiceEngine``. What is done with the
voiceprint (the 1:N search across dossiers) lives in ``autopass.risk``.
"""

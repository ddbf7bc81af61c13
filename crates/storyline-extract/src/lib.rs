//! HTML to article text and metadata: no network, no clock.

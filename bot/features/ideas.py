"""Ideas: members propose, the community votes for or against and discusses, moderators
move each idea through its lifecycle with a reason, and authors and voters hear back."""

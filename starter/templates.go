package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/language"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/schedule"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/template"
	"github.com/bellhop/bellhop/starter/client"
	"github.com/bellhop/bellhop/workflows"
)

// templatesUsage is printed by `starter templates help` and on mistakes.
func templatesUsage() string {
	var b strings.Builder
	b.WriteString(`Usage:
  starter templates list PROPERTY
  starter templates show PROPERTY MAIL LANG
  starter templates set PROPERTY MAIL LANG FILE     (- for standard input)
  starter templates preview PROPERTY MAIL LANG [-reservation ID] [-out FILE]

A template file has the subject on its first line, then the plain-text body
after a line "---text" and the HTML body after a line "---html":

  Subject: Reservation {confirmationNumber} confirmed
  ---text
  {greeting},
  ...
  ---html
  <p>{greeting},</p>
  ...

set checks every placeholder before storing and rejects the file, naming the
line, column and placeholder, if one is unknown or a brace is unmatched.
preview renders the template with a running reservation's data (or sample
data) to an HTML file and prints the subject.

`)
	fmt.Fprintf(&b, "Mail types: %s\n", strings.Join(mailTypeNames(), ", "))
	fmt.Fprintf(&b, "Languages:  %s\n\nPlaceholders:\n", strings.Join(language.Supported, ", "))
	for _, name := range template.PlaceholderNames() {
		fmt.Fprintf(&b, "  %-22s %s\n", "{"+name+"}", template.Placeholders[name])
	}
	return b.String()
}

func mailTypeNames() []string {
	names := make([]string, len(mail.Types))
	for i, t := range mail.Types {
		names[i] = string(t)
	}
	return names
}

func templatesCommand(ctx context.Context, st *store.Store, rc func() (*client.Client, func(), error), args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" {
		fmt.Fprint(stdout, templatesUsage())
		return nil
	}
	switch args[0] {
	case "list":
		if err := needArgs(args, 2, "templates list PROPERTY"); err != nil {
			return err
		}
		return listTemplates(ctx, st, args[1], stdout)
	case "show":
		if err := needArgs(args, 4, "templates show PROPERTY MAIL LANG"); err != nil {
			return err
		}
		c, source, err := effectiveTemplate(ctx, st, args[1], args[2], args[3])
		if err != nil {
			return err
		}
		// The source goes to standard error, so that the output can be
		// saved, edited and given to set as it is.
		fmt.Fprintf(os.Stderr, "# %s\n", source)
		fmt.Fprint(stdout, template.FormatFile(c))
		return nil
	case "set":
		if err := needArgs(args, 5, "templates set PROPERTY MAIL LANG FILE"); err != nil {
			return err
		}
		return setTemplate(ctx, st, args[1:], stdin, stdout)
	case "preview":
		return previewTemplate(ctx, st, rc, args[1:], stdout)
	}
	return usageError{fmt.Sprintf("unknown templates command %q: use list, show, set or preview", args[0])}
}

func parseTemplateKey(mailName, lang string) (mail.Type, string, error) {
	mailType, err := mail.ParseType(mailName)
	if err != nil {
		return "", "", err
	}
	if !language.IsSupported(lang) {
		return "", "", fmt.Errorf("unsupported language %q: use one of %v", lang, language.Supported)
	}
	return mailType, lang, nil
}

func listTemplates(ctx context.Context, st *store.Store, propertyID string, stdout io.Writer) error {
	if _, err := st.Property(ctx, propertyID); err != nil {
		return err
	}
	own, err := st.Templates(ctx, propertyID)
	if err != nil {
		return err
	}
	updated := map[string]time.Time{}
	for _, k := range own {
		updated[string(k.MailType)+"/"+k.Language] = k.UpdatedAt
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MAIL\tLANGUAGE\tSOURCE")
	for _, t := range mail.Types {
		for _, lang := range language.Supported {
			source := "shipped default"
			if at, ok := updated[string(t)+"/"+lang]; ok {
				source = "property, updated " + at.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t, lang, source)
		}
	}
	return tw.Flush()
}

// effectiveTemplate returns the template the property uses for the mail in
// the language: its own, else the shipped one.
func effectiveTemplate(ctx context.Context, st *store.Store, propertyID, mailName, lang string) (template.Content, string, error) {
	mailType, lang, err := parseTemplateKey(mailName, lang)
	if err != nil {
		return template.Content{}, "", err
	}
	if _, err := st.Property(ctx, propertyID); err != nil {
		return template.Content{}, "", err
	}
	own, found, err := st.Template(ctx, propertyID, mailType, lang)
	if err != nil {
		return template.Content{}, "", err
	}
	if found {
		return own, "template of property " + propertyID, nil
	}
	shipped, ok := template.Default(mailType, lang)
	if !ok {
		return template.Content{}, "", fmt.Errorf("no shipped %s template in %s", mailType, lang)
	}
	return shipped, "shipped default; property " + propertyID + " has none of its own", nil
}

func setTemplate(ctx context.Context, st *store.Store, args []string, stdin io.Reader, stdout io.Writer) error {
	propertyID := args[0]
	mailType, lang, err := parseTemplateKey(args[1], args[2])
	if err != nil {
		return err
	}
	var raw []byte
	if args[3] == "-" {
		raw, err = io.ReadAll(stdin)
	} else {
		raw, err = os.ReadFile(args[3])
	}
	if err != nil {
		return err
	}
	c, err := template.ParseFile(string(raw))
	if err != nil {
		return fmt.Errorf("template file %s: %w", args[3], err)
	}
	if err := st.SaveTemplate(ctx, propertyID, mailType, lang, c); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "template %s/%s/%s saved\n", propertyID, mailType, lang)
	return nil
}

func previewTemplate(ctx context.Context, st *store.Store, rc func() (*client.Client, func(), error), args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("templates preview", flag.ContinueOnError)
	reservationID := fs.String("reservation", "", "render with this running reservation's data instead of sample data")
	out := fs.String("out", "", "HTML file to write (default preview-MAIL-LANG.html)")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(positional, 3, "templates preview PROPERTY MAIL LANG [-reservation ID] [-out FILE]"); err != nil {
		return err
	}
	propertyID := positional[0]
	c, _, err := effectiveTemplate(ctx, st, propertyID, positional[1], positional[2])
	if err != nil {
		return err
	}
	tpl, err := template.Compile(c)
	if err != nil {
		return err
	}
	p, err := st.Property(ctx, propertyID)
	if err != nil {
		return err
	}

	r := sampleReservation(propertyID)
	if *reservationID != "" {
		c, closeClient, err := rc()
		if err != nil {
			return err
		}
		defer closeClient()
		status, err := c.Status(ctx, *reservationID)
		if err != nil {
			return err
		}
		r = status.Reservation
	}
	in := activities.SendMailInput{Mail: mail.Type(positional[1]), To: r.Guest.Email, Recipient: r.Guest, Data: r.MailData()}
	in.Data.BillNumber, in.Data.BillTotal, in.Data.BillLink = "FT 2027/311", r.Total, "https://hotel.example/bills/sample"
	in.Data.PaymentAmount, in.Data.CardLastFour, in.Data.AddCardLink = r.Total, "4242", "https://hotel.example/cards/new"
	lang := positional[2]
	rendered := tpl.Render(activities.Values(p, in, lang))

	path := *out
	if path == "" {
		path = fmt.Sprintf("preview-%s-%s.html", positional[1], lang)
	}
	if err := os.WriteFile(path, []byte(template.Document(lang, rendered.Subject, rendered.HTML)), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Subject: %s\nHTML written to %s\n", rendered.Subject, path)
	return nil
}

// sampleReservation is the data previews use without a reservation.
func sampleReservation(propertyID string) workflows.Reservation {
	arrival := schedule.DateOf(time.Now(), time.UTC).AddDays(14)
	return workflows.Reservation{
		ID:                 "sample",
		PropertyID:         propertyID,
		ConfirmationNumber: "SAMPLE-1001",
		Origin:             workflows.OriginBookingEngine,
		Guest:              workflows.Person{TitlePrefix: "Ms", FirstName: "Ana", LastName: "Silva", Email: "ana.silva@example.com"},
		Arrival:            arrival,
		Departure:          arrival.AddDays(3),
		Total:              workflows.Money{Amount: 43500, Currency: "EUR"},
		ReleaseAt:          time.Now().Add(72 * time.Hour),
		ConfirmLink:        "https://hotel.example/confirm/SAMPLE-1001",
		OnlineCheckInLink:  "https://hotel.example/checkin/SAMPLE-1001",
	}
}

func suppressionsCommand(ctx context.Context, st *store.Store, args []string, stdout io.Writer) error {
	if err := needArgs(args, 1, "suppressions list | add ADDRESS [NOTE] | remove ADDRESS"); err != nil {
		return err
	}
	switch args[0] {
	case "list":
		entries, err := st.Suppressions(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ADDRESS\tREASON\tSINCE\tNOTE")
		for _, e := range entries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Address, e.Reason, e.CreatedAt.UTC().Format(time.RFC3339), e.Note)
		}
		return tw.Flush()
	case "add":
		if err := needArgs(args, 2, "suppressions add ADDRESS [NOTE]"); err != nil {
			return err
		}
		if _, err := netmail.ParseAddress(args[1]); err != nil {
			return fmt.Errorf("invalid e-mail address %q: give a plain address such as guest@example.com", args[1])
		}
		note := strings.Join(args[2:], " ")
		if err := st.Suppress(ctx, args[1], store.SuppressManual, note); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s suppressed: no mail will be sent to it\n", args[1])
		return nil
	case "remove":
		if err := needArgs(args, 2, "suppressions remove ADDRESS"); err != nil {
			return err
		}
		if err := st.Unsuppress(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s removed from the suppression list\n", args[1])
		return nil
	}
	return usageError{fmt.Sprintf("unknown suppressions command %q: use list, add or remove", args[0])}
}
